// A rendering fault shows a message and a way out, not a blank page. Keyed by the page path in App,
// so moving to another page starts fresh.
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  children: ReactNode;
}

interface State {
  failed: boolean;
}

export class ErrorBoundary extends Component<Props, State> {
  state: State = { failed: false };

  static getDerivedStateFromError(): State {
    return { failed: true };
  }

  componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('render failed', error, info.componentStack);
  }

  render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    return (
      <section className="render-error" role="alert">
        <h1>Something went wrong on this page</h1>
        <p>The page could not be shown. Your conversations and documents are safe.</p>
        <button type="button" onClick={() => this.setState({ failed: false })}>
          Try again
        </button>{' '}
        <a href="/">Back to chat</a>
      </section>
    );
  }
}
