/**
 * Account administration for administrators: list, create, change role, disable or enable,
 * unlock, set a new password. The first administrator comes from `alpr-edge user add`; after
 * that, accounts can be kept here. Every change is an audit row, and a disabled account, a new
 * role or a new password ends the account's open sessions and event streams at once (changes made
 * by `alpr-edge user` in another process: at their next request or stream tick).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginCallback } from 'fastify';
import { ADMIN } from '../auth/access.js';
import { hashPassword, passwordProblems, USERNAME_PATTERN } from '../../accounts/password.js';
import type { HttpContext } from '../context.js';
import { ROLES, type UserRecord } from '../ports.js';
import { fail, sessionOf } from './reply.js';

const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
const NameParams = Type.Object({ username: Type.String({ pattern: USERNAME_PATTERN.source }) });
const CreateBody = Type.Object({
  username: Type.String({ maxLength: 32 }),
  role: RoleSchema,
  fullName: Type.String({ minLength: 1, maxLength: 128 }),
  contact: Type.String({ maxLength: 128 }),
  password: Type.String({ maxLength: 256 }),
});
const PatchBody = Type.Object({
  role: Type.Optional(RoleSchema),
  disabled: Type.Optional(Type.Boolean()),
  unlock: Type.Optional(Type.Boolean()),
  password: Type.Optional(Type.String({ maxLength: 256 })),
});

/** What the page may see of an account: never the hash. */
export function publicUser(u: UserRecord): Omit<UserRecord, 'passwordHash'> {
  const { passwordHash: _hash, ...rest } = u;
  return rest;
}

export const userRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const { users } = ctx.deps;
  const access = { kind: 'session', roles: ADMIN } as const;

  app.get('/api/users', { config: { access } }, (_req, reply) => reply.send({ users: users.list().map(publicUser) }));

  app.post<{ Body: Static<typeof CreateBody> }>('/api/users', { schema: { body: CreateBody }, config: { access } }, async (req, reply) => {
    const actor = sessionOf(req).username;
    const username = req.body.username.trim().toLowerCase();
    if (!USERNAME_PATTERN.test(username)) {
      return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: 'user name: 2-32 lower-case letters, digits, . _ -, starting with a letter' }, [{ field: 'username', message: '2-32 lower-case letters, digits, . _ -' }]);
    }
    if (users.get(username)) return fail(reply, 409, 'USER_EXISTS', { username }, [{ field: 'username', message: 'exists' }]);
    const problems = passwordProblems(req.body.password, username);
    if (problems.length) return fail(reply, 400, 'USER_PASSWORD_WEAK', { detail: problems.join('; ') }, problems.map((message) => ({ field: 'password', message })));
    const passwordHash = await hashPassword(req.body.password);
    ctx.audit.record({ user: actor, action: 'user.add', object: username, ip: req.ip, details: { role: req.body.role, fullName: req.body.fullName } });
    const created = users.create({ username, role: req.body.role, passwordHash, fullName: req.body.fullName.trim(), contact: req.body.contact.trim() });
    return reply.code(201).send({ user: publicUser(created) });
  });

  app.post<{ Params: Static<typeof NameParams>; Body: Static<typeof PatchBody> }>(
    '/api/users/:username',
    { schema: { params: NameParams, body: PatchBody }, config: { access } },
    async (req, reply) => {
      const actor = sessionOf(req).username;
      const { username } = req.params;
      const user = users.get(username);
      if (!user) return fail(reply, 404, 'USER_NOT_FOUND', { username });
      const b = req.body;
      // An administrator cannot lock themselves out of administration by accident.
      if (username === actor && ((b.role !== undefined && b.role !== 'administrator') || b.disabled === true)) {
        return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: 'you cannot demote or disable your own account; ask another administrator' });
      }
      const patch: Parameters<typeof users.update>[1] = {};
      const changes: string[] = [];
      if (b.role !== undefined && b.role !== user.role) {
        patch.role = b.role;
        changes.push(`role ${user.role} → ${b.role}`);
      }
      if (b.disabled !== undefined && b.disabled !== user.disabled) {
        patch.disabled = b.disabled;
        changes.push(b.disabled ? 'disabled' : 'enabled');
      }
      if (b.unlock) {
        patch.failedLogins = 0;
        patch.lockedUntil = null;
        changes.push('unlocked');
      }
      if (b.password !== undefined) {
        const problems = passwordProblems(b.password, username);
        if (problems.length) return fail(reply, 400, 'USER_PASSWORD_WEAK', { detail: problems.join('; ') }, problems.map((message) => ({ field: 'password', message })));
        patch.passwordHash = await hashPassword(b.password);
        patch.failedLogins = 0;
        patch.lockedUntil = null;
        changes.push('password set');
      }
      if (changes.length === 0) return reply.send({ user: publicUser(user) });
      ctx.audit.record({ user: actor, action: 'user.change', object: username, ip: req.ip, details: { changes } });
      users.update(username, patch);
      // A disabled account, a new role or a new password ends its sessions and event streams now.
      if (patch.disabled === true || patch.role !== undefined || patch.passwordHash !== undefined) ctx.sessions.endSessionsOf(username);
      return reply.send({ user: publicUser(users.get(username)!) });
    },
  );
  done();
};
