/**
 * `alpr-edge user add|list|passwd|disable|enable|unlock`: local accounts of the operator station;
 * `train|untrain|review|show|supervisor`: their training and certification, access review and
 * supervisor right (issue 20; the rules are in `http/auth/account-policy.ts`).
 * There is no default password: the first administrator is created here, with the password read
 * from `--password-file`, from standard input when it is not a terminal, or typed twice at a
 * prompt that does not echo. Every change is written to the audit log as `cli:<os user>`.
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { DEMO_CONFIG, loadConfigObject, type LoadResult } from '../config/load.js';
import { itemLabel, type AccountRecordsPort } from '../http/auth/account-policy.js';
import { hashPassword, passwordProblems, USERNAME_PATTERN } from '../http/auth/password.js';
import { HttpErrors } from '../http/errors.js';
import { ROLES, type AuditPort, type Role, type UsersPort } from '../http/ports.js';
import { systemClock } from '../shared/clock.js';
import { AlprError, errorMessage } from '../shared/errors.js';
import { AuditRepo } from '../store/audit-repo.js';
import { openDatabase } from '../store/database.js';
import { OutboxRepo } from '../store/outbox-repo.js';
import { UsersRepo } from '../store/users-repo.js';
import { UsageError, type CliCommand, type CliIo } from './command.js';

export interface StationStore {
  file: string;
  users: UsersPort;
  /** Training, certification, access review and supervisor right of the accounts. */
  records: AccountRecordsPort;
  audit: AuditPort;
  close(): void;
}

/**
 * Opens the daemon's database (the one `store.database` names in `device.data_dir`) for the
 * account and audit tools. SQLite in WAL lets this run beside a running daemon.
 */
export function openStationStore(configFile: string | undefined, io: CliIo): StationStore {
  const r = loadStoreLocation(configFile ?? io.env.ALPR_EDGE_CONFIG, io.env);
  if (!r.config) throw new UsageError(`configuration refused: ${r.errors.join('; ')}`);
  const dataDir = resolve(dirname(resolve(r.source)), r.config.device.data_dir);
  const file = join(dataDir, r.config.store.database);
  try {
    const { db } = openDatabase(file, { synchronous: 'full' });
    const outbox = new OutboxRepo(db, systemClock);
    const key = r.config.store.audit_key ? Buffer.from(r.config.store.audit_key.reveal()) : null;
    const users = new UsersRepo(db, systemClock);
    return { file, users, records: users.records, audit: new AuditRepo(db, systemClock, outbox, key), close: () => db.close() };
  } catch (err) {
    throw new AlprError(HttpErrors.STORE_UNAVAILABLE, { detail: errorMessage(err) }, { cause: err });
  }
}

/**
 * Only the sections that say where the database is (`device`, `store`): the account and audit
 * tools need no camera password or upload token, and run before systemd provides them (the
 * README's first-administrator command failed on the patrol-car profile for want of them).
 */
function loadStoreLocation(file: string | undefined, env: NodeJS.ProcessEnv): LoadResult {
  const source = file ?? DEMO_CONFIG;
  let raw: unknown;
  try {
    raw = parse(readFileSync(source, 'utf8')) ?? {};
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { config: null, errors: [`${source}: ${code ? `cannot read: ${code}` : `not valid YAML: ${errorMessage(err).split('\n')[0]}`}`], source };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { config: null, errors: [`${source}: must be a mapping of sections`], source };
  const { device, store } = raw as Record<string, unknown>;
  const sections: Record<string, unknown> = {};
  if (device !== undefined) sections.device = device;
  if (store !== undefined) sections.store = store;
  const envOnly = Object.fromEntries(Object.entries(env).filter(([k]) => /^ALPR_EDGE_(DEVICE|STORE)_/.test(k) || !k.startsWith('ALPR_EDGE_')));
  return loadConfigObject(sections, dirname(resolve(source)), envOnly, source);
}

/** Who ran the tool, for the audit log. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli:unknown';
  }
}

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
    if ((await promptHidden('again: ', io)) !== password) throw new AlprError(HttpErrors.USER_PASSWORD_WEAK, { detail: 'the two entries differ' });
  }
  const problems = passwordProblems(password, username);
  if (problems.length) throw new AlprError(HttpErrors.USER_PASSWORD_WEAK, { detail: problems.join('; ') });
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

export const command: CliCommand = {
  name: 'user',
  summary: 'manage local accounts of the operator station',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
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
      },
    });
    const [action, rawName] = positionals;
    if (!action) throw new UsageError('give an action: add, list, passwd, disable, enable, unlock, train, untrain, review, supervisor or show');
    if (action !== 'list' && !rawName) throw new UsageError(`user ${action} needs a USERNAME`);
    const username = (rawName ?? '').toLowerCase();
    if (action === 'add' && !USERNAME_PATTERN.test(username)) throw new UsageError('USERNAME: 2-32 characters, lower-case letters, digits, . _ -, starting with a letter');

    const store = openStationStore(values.config, io);
    const actor = cliActor();
    try {
      switch (action) {
        case 'list': {
          const users = store.users.list();
          if (values.json) io.out(JSON.stringify(users.map(({ passwordHash: _h, ...u }) => u)));
          else {
            io.out(`${'USER'.padEnd(20)} ${'ROLE'.padEnd(14)} ${'STATE'.padEnd(10)} NAME`);
            for (const u of users) {
              const state = u.disabled ? 'disabled' : u.lockedUntil && u.lockedUntil > Date.now() ? 'locked' : 'active';
              io.out(`${u.username.padEnd(20)} ${u.role.padEnd(14)} ${state.padEnd(10)} ${u.fullName}`);
            }
          }
          return 0;
        }
        case 'add': {
          const role = values.role as Role | undefined;
          if (!role || !ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
          if (!values.name?.trim()) throw new UsageError('--name is required (the full name recorded with every action)');
          if (store.users.get(username)) throw new AlprError(HttpErrors.USER_EXISTS, { username });
          if (store.users.count() === 0 && role !== 'administrator') throw new UsageError('the first account must be an administrator');
          const passwordHash = await hashPassword(await readPassword(values['password-file'], username, io));
          store.users.create({ username, role, passwordHash, fullName: values.name.trim(), contact: values.contact.trim() });
          store.audit.append({ user: actor, action: 'user.add', object: username, purpose: null, caseNumber: null, details: { role, fullName: values.name.trim() }, ip: null });
          io.out(`user ${username} (${role}) created in ${store.file}`);
          return 0;
        }
        case 'passwd': {
          if (!store.users.get(username)) throw new AlprError(HttpErrors.USER_NOT_FOUND, { username });
          const passwordHash = await hashPassword(await readPassword(values['password-file'], username, io));
          store.users.update(username, { passwordHash, failedLogins: 0, lockedUntil: null });
          store.audit.append({ user: actor, action: 'user.passwd', object: username, purpose: null, caseNumber: null, details: null, ip: null });
          io.out(`password of ${username} changed; open sessions of that user end at their next request`);
          return 0;
        }
        case 'disable':
        case 'enable':
        case 'unlock': {
          if (!store.users.get(username)) throw new AlprError(HttpErrors.USER_NOT_FOUND, { username });
          if (action === 'unlock') store.users.update(username, { failedLogins: 0, lockedUntil: null });
          else store.users.update(username, { disabled: action === 'disable' });
          store.audit.append({ user: actor, action: `user.${action}`, object: username, purpose: null, caseNumber: null, details: null, ip: null });
          io.out(`user ${username}: ${action}d`);
          return 0;
        }
        case 'train': {
          if (!store.users.get(username)) throw new AlprError(HttpErrors.USER_NOT_FOUND, { username });
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
        case 'untrain': {
          const item = itemOption(values.item);
          if (!store.records.standing(username)?.qualifications.some((x) => x.item === item)) throw new AlprError(HttpErrors.USER_NOT_FOUND, { username: `${username} with ${item}` });
          store.audit.append({ user: actor, action: 'user.qualification.removed', object: username, purpose: null, caseNumber: null, details: { item }, ip: null });
          store.records.removeQualification(username, item);
          io.out(`${username}: ${itemLabel(item)} removed`);
          return 0;
        }
        case 'review': {
          const u = store.users.get(username);
          if (!u) throw new AlprError(HttpErrors.USER_NOT_FOUND, { username });
          store.audit.append({ user: actor, action: 'user.review.confirmed', object: username, purpose: null, caseNumber: null, details: { role: u.role, disabled: u.disabled }, ip: null });
          store.records.markReviewed(username, actor);
          io.out(`${username}: access re-confirmed${u.disabled ? ' (the account stays disabled until enabled)' : ''}`);
          return 0;
        }
        case 'supervisor': {
          if (!store.users.get(username)) throw new AlprError(HttpErrors.USER_NOT_FOUND, { username });
          if (values.grant === values.revoke) throw new UsageError('user supervisor needs --grant or --revoke');
          store.audit.append({ user: actor, action: 'user.change', object: username, purpose: null, caseNumber: null, details: { changes: [values.grant ? 'supervisor right granted' : 'supervisor right withdrawn'] }, ip: null });
          store.records.setSupervisor(username, values.grant);
          io.out(`${username}: supervisor right ${values.grant ? 'granted' : 'withdrawn'}`);
          return 0;
        }
        case 'show': {
          const st = store.records.standing(username);
          if (!st) throw new AlprError(HttpErrors.USER_NOT_FOUND, { username });
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
        default:
          throw new UsageError(`unknown action "${action}"`);
      }
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
