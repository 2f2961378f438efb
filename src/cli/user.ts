/**
 * `alpr-edge user add|list|passwd|disable|enable|unlock`: local accounts of the operator station;
 * `train|untrain|review|show|supervisor`: their training and certification, access review and
 * supervisor right (issue 20; the rules are in `accounts/account-policy.ts`).
 * There is no default password: the first administrator is created here, with the password read
 * from `--password-file`, from standard input when it is not a terminal, or typed twice at a
 * prompt that does not echo. Every change is written to the audit log as `cli:<os user>`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { itemLabel } from '../accounts/account-policy.js';
import { AccountErrors } from '../accounts/errors.js';
import { hashPassword, passwordProblems, USERNAME_PATTERN } from '../accounts/password.js';
import { ROLES, type Role } from '../accounts/ports.js';
import { AlprError } from '../shared/errors.js';
import { UsageError, type CliCommand, type CliIo } from './command.js';
import { cliActor, openCliStationStore, type StationStore } from './station.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string, io: CliIo): Promise<string> {
  return new Promise((resolvePw, reject) => {
    const stdin = process.stdin;
    io.err(question);
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    const onData = (buf: Buffer): void => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(null);
        if (ch === '\u0003') return finish(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const finish = (err: Error | null): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      if (err) reject(err);
      else resolvePw(value);
    };
    stdin.on('data', onData);
  });
}

async function readPassword(file: string | undefined, username: string, io: CliIo): Promise<string> {
  let password: string;
  if (file) password = readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '';
  else if (!process.stdin.isTTY) password = (await readStdin()).split(/\r?\n/)[0] ?? '';
  else {
    password = await promptHidden(`password for ${username}: `, io);
    if ((await promptHidden('again: ', io)) !== password) throw new AlprError(AccountErrors.USER_PASSWORD_WEAK, { detail: 'the two entries differ' });
  }
  const problems = passwordProblems(password, username);
  if (problems.length) throw new AlprError(AccountErrors.USER_PASSWORD_WEAK, { detail: problems.join('; ') });
  return password;
}

const USAGE = `alpr-edge user add USERNAME --role operator|administrator|auditor --name "FULL NAME" [--contact TEXT] [--password-file FILE]
       alpr-edge user list [--json]
       alpr-edge user passwd USERNAME [--password-file FILE]
       alpr-edge user disable|enable|unlock USERNAME
       alpr-edge user train USERNAME --item ITEM --completed YYYY-MM-DD [--expires YYYY-MM-DD] [--course TEXT] [--trainer TEXT] [--certificate TEXT]
       alpr-edge user untrain USERNAME --item ITEM
       alpr-edge user review USERNAME          (re-confirm the account's access: the access review)
       alpr-edge user supervisor USERNAME --grant|--revoke
       alpr-edge user show USERNAME [--json]   (training, certification, review, supervisor right)
  ITEM: alpr_training, cjis_security, clets or the agency's own name (accounts.required_items)
  all take [--config FILE]; without --password-file the password is read from standard input, or prompted for`;

function itemOption(item: string | undefined): string {
  if (!item || !/^[a-z0-9_]{2,40}$/.test(item)) throw new UsageError('--item ITEM is required: 2-40 lower-case letters, digits and _ (alpr_training, cjis_security, clets, ...)');
  return item;
}

/** A calendar date (YYYY-MM-DD) as local midnight; null when not given. */
function dateOption(flag: string, v: string | undefined): number | null {
  if (v === undefined) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const t = m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime() : NaN;
  if (!m || Number.isNaN(t) || new Date(t).getDate() !== Number(m[3])) throw new UsageError(`${flag}: a date as YYYY-MM-DD`);
  return t;
}

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  role: { type: 'string' },
  name: { type: 'string' },
  contact: { type: 'string', default: '' },
  'password-file': { type: 'string' },
  json: { type: 'boolean', default: false },
  item: { type: 'string' },
  completed: { type: 'string' },
  expires: { type: 'string' },
  course: { type: 'string', default: '' },
  trainer: { type: 'string', default: '' },
  certificate: { type: 'string', default: '' },
  grant: { type: 'boolean', default: false },
  revoke: { type: 'boolean', default: false },
} as const;

type UserOptions = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; strict: true; options: typeof OPTIONS }>>['values'];

/** One sub-command's inputs: the open store, who runs it, the (lower-cased) account and the options. */
interface UserAction {
  store: StationStore;
  actor: string;
  username: string;
  values: UserOptions;
  io: CliIo;
}

type AccessAction = 'disable' | 'enable' | 'unlock';

const ACTIONS: Readonly<Record<string, (a: UserAction) => number | Promise<number>>> = {
  list: listUsers,
  add: addUser,
  passwd: changePassword,
  disable: (a) => setAccess(a, 'disable'),
  enable: (a) => setAccess(a, 'enable'),
  unlock: (a) => setAccess(a, 'unlock'),
  train: recordTraining,
  untrain: removeTraining,
  review: confirmReview,
  supervisor: setSupervisor,
  show: showStanding,
};

export const command: CliCommand = {
  name: 'user',
  summary: 'manage local accounts of the operator station',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: OPTIONS });
    const [action, rawName] = positionals;
    if (!action) throw new UsageError('give an action: add, list, passwd, disable, enable, unlock, train, untrain, review, supervisor or show');
    if (action !== 'list' && !rawName) throw new UsageError(`user ${action} needs a USERNAME`);
    const username = (rawName ?? '').toLowerCase();
    if (action === 'add' && !USERNAME_PATTERN.test(username)) throw new UsageError('USERNAME: 2-32 characters, lower-case letters, digits, . _ -, starting with a letter');

    const store = openCliStationStore(values.config, io);
    try {
      const run = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
      if (!run) throw new UsageError(`unknown action "${action}"`);
      return await run({ store, actor: cliActor(), username, values, io });
    } catch (err) {
      // Usage mistakes go up to main (exit 2 with the usage); refusals of the store exit 1 here.
      if (err instanceof AlprError && !(err instanceof UsageError)) {
        io.err(`alpr-edge user: ${err.code}: ${err.message}`);
        return 1;
      }
      throw err;
    } finally {
      store.close();
    }
  },
};

function requireUser({ store, username }: UserAction): void {
  if (!store.users.get(username)) throw new AlprError(AccountErrors.USER_NOT_FOUND, { username });
}

function listUsers({ store, values, io }: UserAction): number {
  const users = store.users.list();
  if (values.json) {
    io.out(JSON.stringify(users.map(({ passwordHash: _h, ...u }) => u)));
    return 0;
  }
  io.out(`${'USER'.padEnd(20)} ${'ROLE'.padEnd(14)} ${'STATE'.padEnd(10)} NAME`);
  for (const u of users) {
    const state = u.disabled ? 'disabled' : u.lockedUntil && u.lockedUntil > Date.now() ? 'locked' : 'active';
    io.out(`${u.username.padEnd(20)} ${u.role.padEnd(14)} ${state.padEnd(10)} ${u.fullName}`);
  }
  return 0;
}

async function addUser({ store, actor, username, values, io }: UserAction): Promise<number> {
  const role = values.role as Role | undefined;
  if (!role || !ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const fullName = values.name?.trim();
  if (!fullName) throw new UsageError('--name is required (the full name recorded with every action)');
  if (store.users.get(username)) throw new AlprError(AccountErrors.USER_EXISTS, { username });
  if (store.users.count() === 0 && role !== 'administrator') throw new UsageError('the first account must be an administrator');
  const passwordHash = await hashPassword(await readPassword(values['password-file'], username, io));
  store.users.create({ username, role, passwordHash, fullName, contact: values.contact.trim() });
  store.audit.append({ user: actor, action: 'user.add', object: username, purpose: null, caseNumber: null, details: { role, fullName }, ip: null });
  io.out(`user ${username} (${role}) created in ${store.file}`);
  return 0;
}

async function changePassword(a: UserAction): Promise<number> {
  const { store, actor, username, values, io } = a;
  requireUser(a);
  const passwordHash = await hashPassword(await readPassword(values['password-file'], username, io));
  store.users.update(username, { passwordHash, failedLogins: 0, lockedUntil: null });
  store.audit.append({ user: actor, action: 'user.passwd', object: username, purpose: null, caseNumber: null, details: null, ip: null });
  io.out(`password of ${username} changed; open sessions of that user end at their next request`);
  return 0;
}

function setAccess(a: UserAction, action: AccessAction): number {
  const { store, actor, username, io } = a;
  requireUser(a);
  if (action === 'unlock') store.users.update(username, { failedLogins: 0, lockedUntil: null });
  else store.users.update(username, { disabled: action === 'disable' });
  store.audit.append({ user: actor, action: `user.${action}`, object: username, purpose: null, caseNumber: null, details: null, ip: null });
  io.out(`user ${username}: ${action}d`);
  return 0;
}

function recordTraining(a: UserAction): number {
  const { store, actor, username, values, io } = a;
  requireUser(a);
  const item = itemOption(values.item);
  const completedAt = dateOption('--completed', values.completed);
  if (completedAt === null) throw new UsageError('--completed YYYY-MM-DD is required (the date the training was completed)');
  const expiresAt = dateOption('--expires', values.expires);
  if (expiresAt !== null && expiresAt <= completedAt) throw new UsageError('--expires must be after --completed');
  const q = { item, completedAt, expiresAt, course: values.course.trim(), trainer: values.trainer.trim(), certificate: values.certificate.trim(), recordedBy: actor };
  store.audit.append({ user: actor, action: 'user.qualification.set', object: username, purpose: null, caseNumber: null, details: { ...q, completedAt: values.completed!, expiresAt: values.expires ?? null }, ip: null });
  store.records.setQualification(username, q);
  io.out(`${username}: ${itemLabel(item)} recorded (completed ${values.completed}${values.expires ? `, expires ${values.expires}` : ''})`);
  return 0;
}

function removeTraining({ store, actor, username, values, io }: UserAction): number {
  const item = itemOption(values.item);
  if (!store.records.standing(username)?.qualifications.some((x) => x.item === item)) throw new AlprError(AccountErrors.USER_NOT_FOUND, { username: `${username} with ${item}` });
  store.audit.append({ user: actor, action: 'user.qualification.removed', object: username, purpose: null, caseNumber: null, details: { item }, ip: null });
  store.records.removeQualification(username, item);
  io.out(`${username}: ${itemLabel(item)} removed`);
  return 0;
}

function confirmReview({ store, actor, username, io }: UserAction): number {
  const u = store.users.get(username);
  if (!u) throw new AlprError(AccountErrors.USER_NOT_FOUND, { username });
  store.audit.append({ user: actor, action: 'user.review.confirmed', object: username, purpose: null, caseNumber: null, details: { role: u.role, disabled: u.disabled }, ip: null });
  store.records.markReviewed(username, actor);
  io.out(`${username}: access re-confirmed${u.disabled ? ' (the account stays disabled until enabled)' : ''}`);
  return 0;
}

function setSupervisor(a: UserAction): number {
  const { store, actor, username, values, io } = a;
  requireUser(a);
  if (values.grant === values.revoke) throw new UsageError('user supervisor needs --grant or --revoke');
  store.audit.append({ user: actor, action: 'user.change', object: username, purpose: null, caseNumber: null, details: { changes: [values.grant ? 'supervisor right granted' : 'supervisor right withdrawn'] }, ip: null });
  store.records.setSupervisor(username, values.grant);
  io.out(`${username}: supervisor right ${values.grant ? 'granted' : 'withdrawn'}`);
  return 0;
}

function showStanding({ store, username, values, io }: UserAction): number {
  const st = store.records.standing(username);
  if (!st) throw new AlprError(AccountErrors.USER_NOT_FOUND, { username });
  if (values.json) {
    io.out(JSON.stringify(st));
    return 0;
  }
  const day = (t: number | null): string => (t === null ? 'never' : new Date(t).toISOString().slice(0, 10));
  io.out(`${username}: reviewed ${day(st.reviewedAt)}${st.reviewedBy ? ` by ${st.reviewedBy}` : ''}; supervisor: ${st.supervisor ? 'yes' : 'no'}`);
  if (st.qualifications.length === 0) io.out('  no training or certification recorded');
  for (const q of st.qualifications) io.out(`  ${itemLabel(q.item)}: completed ${day(q.completedAt)}, expires ${q.expiresAt === null ? 'never' : day(q.expiresAt)}${q.course ? `, ${q.course}` : ''}${q.trainer ? `, trainer ${q.trainer}` : ''}`);
  return 0;
}
