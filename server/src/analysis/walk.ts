import ts from 'typescript';

/**
 * Visits the descendants of `root` (not `root` itself) depth-first in source order, without
 * recursion: code nested thousands of levels deep cannot overflow the stack. `visit` returns
 * `false` to skip a node's children.
 */
export function forEachDescendant(root: ts.Node, visit: (node: ts.Node) => boolean | void): void {
  const stack: ts.Node[] = [];
  const children: ts.Node[] = [];
  const collect = (child: ts.Node): undefined => {
    children.push(child);
    return undefined;
  };
  const pushChildrenOf = (node: ts.Node): void => {
    ts.forEachChild(node, collect);
    // Reversed, so the first child is visited first.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    children.length = 0;
  };
  pushChildrenOf(root);
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (visit(node) !== false) pushChildrenOf(node);
  }
}

/** Whether some descendant of `root` (or `root`) satisfies `test`, searched without recursion. */
export function someNode(root: ts.Node, test: (node: ts.Node) => boolean): boolean {
  if (test(root)) return true;
  let found = false;
  forEachDescendant(root, (node) => {
    if (found) return false;
    if (test(node)) found = true;
    return !found;
  });
  return found;
}
