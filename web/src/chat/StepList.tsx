import type { Step } from './types';

export function StepList({ steps, live }: { steps: Step[]; live: boolean }) {
  if (steps.length === 0) return null;
  return (
    <ol className="step-list" aria-label="Steps" aria-live={live ? 'polite' : undefined}>
      {steps.map((s) => (
        <li key={s.id} className={`step step-${s.kind}`}>
          {s.kind === 'tool' ? '🔧 ' : ''}
          {s.label}
        </li>
      ))}
    </ol>
  );
}
