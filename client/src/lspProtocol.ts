/**
 * The custom LSP messages: declared once, in the server's protocol module, and re-exported here
 * for the client.
 */
export * from '../../server/src/protocol';
