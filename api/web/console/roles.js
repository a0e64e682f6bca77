// What a member's role allows, in the server's order (viewer < editor < admin < owner). The
// server enforces it on every route; the console only leaves out the controls a role cannot use.
const ORDER = ['viewer', 'editor', 'admin', 'owner'];

export function can(session, role) {
  return ORDER.indexOf(session.member.role) >= ORDER.indexOf(role);
}
