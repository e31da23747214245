// Markdown as answers and passages are written: GFM tables, lists, code with highlighting, links.
// Safe by construction: raw HTML is never rendered (react-markdown without rehype-raw shows it as
// text), URLs go through react-markdown's default transform (no javascript:, data:, vbscript:), and
// links open outside the app with no opener.
import { useMemo, type ComponentProps, type ReactNode } from 'react';
import ReactMarkdown, { defaultUrlTransform, type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import type { Element, ElementContent } from 'hast';
import { CopyButton } from './CopyButton';
import { CITATION_CLASS, remarkCitations } from './remarkCitations';
import { rehypeCode } from './rehypeCode';
import { rehypeQuoteMarks } from './rehypeQuoteMarks';

export interface MarkdownProps {
  text: string;
  /** Citation numbers to render as chips (with `renderCitation`). */
  citations?: ReadonlySet<number>;
  renderCitation?: (n: number) => ReactNode;
  /** Text carries QUOTE_START/QUOTE_END markers to highlight (a cited passage). */
  quoteMarks?: boolean;
  className?: string;
}

function textOf(node: ElementContent | Element | undefined): string {
  if (!node) return '';
  if (node.type === 'text') return node.value;
  if (node.type === 'element') return node.children.map((c) => textOf(c)).join('');
  return '';
}

function SafeLink({ href, children, node: _node, ...rest }: ComponentProps<'a'> & { node?: Element }) {
  if (!href) return <span>{children}</span>;
  const external = /^[a-z][a-z0-9+.-]*:/i.test(href) && !href.startsWith('#');
  return (
    <a {...rest} href={href} {...(external ? { target: '_blank', rel: 'noopener noreferrer nofollow' } : {})}>
      {children}
    </a>
  );
}

function CodeBlock({ children, node }: ComponentProps<'pre'> & { node?: Element }) {
  const code = textOf(node).replace(/\n$/, '');
  return (
    <div className="code-block">
      <CopyButton text={code} label="Copy code" />
      <pre>{children}</pre>
    </div>
  );
}

function ScrollTable({ children, node: _node, ...rest }: ComponentProps<'table'> & { node?: Element }) {
  return (
    <div className="table-scroll">
      <table {...rest}>{children}</table>
    </div>
  );
}

export default function MarkdownView({ text, citations, renderCitation, quoteMarks = false, className }: MarkdownProps) {
  const known = useMemo(() => citations ?? new Set<number>(), [citations]);
  const components = useMemo<Components>(
    () => ({
      a: SafeLink,
      pre: CodeBlock,
      table: ScrollTable,
      span({ node, children, ...rest }) {
        const classes = node?.properties?.className;
        if (renderCitation && Array.isArray(classes) && classes.includes(CITATION_CLASS)) {
          return <>{renderCitation(Number(node?.properties?.dataCitationNumber))}</>;
        }
        return <span {...rest}>{children}</span>;
      },
    }),
    [renderCitation],
  );
  return (
    <div className={className ? `markdown ${className}` : 'markdown'}>
      <ReactMarkdown
        remarkPlugins={[remarkGfm, [remarkCitations, { known }]]}
        rehypePlugins={quoteMarks ? [rehypeCode, rehypeQuoteMarks] : [rehypeCode]}
        urlTransform={defaultUrlTransform}
        components={components}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
}
