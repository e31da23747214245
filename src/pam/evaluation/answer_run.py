"""`pam eval answers` and the answer benchmark: ask a question set through the real chat use case and
score the answers (`answer_scoring`).

Each question is asked as its caller would ask it: a follow-up's earlier questions go first in the
same stored conversation, so the answerer reads its history from the database. The conversations an
evaluation creates are deleted afterwards; the team's history is not cluttered with test questions.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.access import AccessScope
from pam.answer.events import CitationEvent, Error, Token
from pam.evaluation.answer_cases import AnswerCase
from pam.evaluation.answer_judge import AnswerJudge
from pam.evaluation.answer_scoring import (
    AnswerReport,
    AnswerRun,
    CaseScore,
    CitedDocument,
    score_case,
    summarize,
)
from pam.services.chat import ChatFilters, ChatService, Started
from pam.services.conversations import ConversationService
from pam.store.models import Document, Segment

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class _Asked:
    conversation_id: uuid.UUID | None
    run: AnswerRun


class AnswerEvaluation:
    def __init__(
        self,
        chat: ChatService,
        conversations: ConversationService,
        sessions: async_sessionmaker[AsyncSession],
        judge: AnswerJudge | None = None,
    ) -> None:
        self._chat = chat
        self._conversations = conversations
        self._sessions = sessions
        self._judge = judge

    async def run(
        self,
        scope: AccessScope,
        cases: Sequence[AnswerCase],
        filters: ChatFilters,
        progress: Progress | None = None,
    ) -> AnswerReport:
        scores: list[CaseScore] = []
        for done, case in enumerate(cases, start=1):
            run = await self.ask_case(scope, case, filters)
            score = score_case(case, run)
            if self._judge is not None and not case.unanswerable and run.error is None and not score.declined:
                verdict = await self._judge.judge(case.question, run.answer, run.passages)
                if verdict is not None:
                    score = CaseScore(
                        case,
                        run,
                        score.declined,
                        score.cited_expected,
                        score.holds_expected,
                        verdict.faithfulness,
                        verdict.completeness,
                    )
            scores.append(score)
            if progress is not None:
                progress(done, len(cases))
        return summarize(scores)

    async def ask_case(self, scope: AccessScope, case: AnswerCase, filters: ChatFilters) -> AnswerRun:
        conversation_id: uuid.UUID | None = None
        try:
            for earlier in case.history:
                conversation_id = (await self._ask(scope, earlier, conversation_id, filters)).conversation_id
            asked = await self._ask(scope, case.question, conversation_id, filters)
            conversation_id = asked.conversation_id
            return asked.run
        finally:
            if conversation_id is not None:
                await self._conversations.delete(scope, conversation_id)

    async def _ask(
        self, scope: AccessScope, question: str, conversation_id: uuid.UUID | None, filters: ChatFilters
    ) -> _Asked:
        started = time.perf_counter()
        first_token: float | None = None
        text: list[str] = []
        cited: list[tuple[str, str]] = []  # (document id, segment id)
        error: str | None = None
        # A follow-up sends only its conversation id: the conversation keeps the filters.
        asked_filters = filters if conversation_id is None else ChatFilters()
        async for event in self._chat.stream(scope, question, conversation_id, asked_filters):
            if isinstance(event, Started):
                conversation_id = event.conversation_id
            elif isinstance(event, Token):
                if first_token is None:
                    first_token = (time.perf_counter() - started) * 1000
                text.append(event.text)
            elif isinstance(event, CitationEvent):
                cited.append((event.citation.document_id, event.citation.segment_id))
            elif isinstance(event, Error):
                error = event.code
        total = (time.perf_counter() - started) * 1000
        documents, passages = await self._cited(cited)
        run = AnswerRun(
            answer="".join(text),
            cited=documents,
            ttft_ms=round(first_token, 1) if first_token is not None else None,
            total_ms=round(total, 1),
            error=error,
            passages=passages,
        )
        return _Asked(conversation_id, run)

    async def _cited(self, cited: list[tuple[str, str]]) -> tuple[tuple[CitedDocument, ...], tuple[str, ...]]:
        """The cited documents (a table citation counts for the data file it came from) and passages."""
        doc_ids = [_uuid(d) for d, _ in cited]
        seg_ids = [_uuid(s) for _, s in cited]
        async with self._sessions() as s:
            docs = {
                i: (uri, title)
                for i, uri, title in await s.execute(
                    select(Document.id, Document.uri, Document.title).where(
                        Document.id.in_([d for d in doc_ids if d is not None])
                    )
                )
            }
            texts = {
                i: content
                for i, content in await s.execute(
                    select(Segment.id, Segment.content).where(Segment.id.in_([x for x in seg_ids if x]))
                )
            }
        documents = tuple(CitedDocument(*docs[d]) for d in doc_ids if d is not None and d in docs)
        passages = tuple(texts[x] for x in seg_ids if x is not None and x in texts)
        return documents, passages


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None
