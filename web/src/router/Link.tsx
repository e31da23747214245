import type { AnchorHTMLAttributes, MouseEvent } from 'react';
import { useRouter } from './RouterContext';

type Props = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

export function Link({ to, onClick, ...rest }: Props) {
  const { navigate, path } = useRouter();
  function handle(e: MouseEvent<HTMLAnchorElement>) {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  }
  const current = path === to || (to !== '/' && path.startsWith(`${to}/`));
  return <a href={to} onClick={handle} aria-current={current ? 'page' : undefined} {...rest} />;
}
