import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every agency-policy citation in the code, the docs, the README and the example configuration
 * (`roseville 426.6.4 (a)`, `sacramento-pd 525.08 D.2.b(2)`, `sacramento-da IV.C.b`,
 * `shasta 467.6 (a)`, `santa-clara "ALPR Operation"`) must be explained in docs/policies.md's
 * "Cited sections" table, so a reader can look up what the cited clause requires.
 */

const root = resolve(import.meta.dirname, '..', '..');
const POLICIES = 'docs/policies.md';
const SCANNED = ['src', 'docs', 'README.md', 'config'];

/** A clause in parentheses: `(c)`, `(1)`. */
const CLAUSE = String.raw`\((?:[a-z]|\d{1,2})\)`;
/** Section numbers of each agency's document, without the parenthesised clauses. */
const HEAD = {
  roseville: String.raw`\d{3}(?:\.\d{1,2})*(?![\d.]*\d)`,
  shasta: String.raw`\d{3}(?:\.\d{1,2})*(?![\d.]*\d)`,
  // General Order 525.08: a lettered part (bare only after `525.08`), a numbered item, a lettered
  // sub-item, a (number).
  'sacramento-pd': String.raw`(?:525\.08 [A-K](?![\w.]*\w)|(?:525\.08 )?[A-K]\.\d{1,2}(?:\.[a-z](?:\.?\(\d{1,2}\))?)?(?![\w.]*\w))`,
  // Directive: a roman part, a lettered section, then lettered and roman sub-items.
  'sacramento-da': String.raw`[IVX]{1,4}\.[A-E](?:\.[a-z]{1,4}){0,2}(?![\w.]*\w)`,
  // Santa Clara's policy has no numbers: cited by its headings.
  'santa-clara': String.raw`"[A-Z][A-Za-z ]{2,60}"`,
} as const;
type Agency = keyof typeof HEAD;
const AGENCIES = Object.keys(HEAD) as Agency[];

/** A further head of the same agency after a comma or a dash (`C.2, C.4–C.6`): never a bare letter or number. */
const NEXT_HEAD: Record<Agency, string> = {
  roseville: String.raw`426(?:\.\d{1,2})+(?![\d.]*\d)`,
  shasta: String.raw`467(?:\.\d{1,2})+(?![\d.]*\d)`,
  'sacramento-pd': String.raw`[A-K]\.\d{1,2}(?:\.[a-z](?:\.?\(\d{1,2}\))?)?(?![\w.]*\w)`,
  'sacramento-da': HEAD['sacramento-da'],
  'santa-clara': HEAD['santa-clara'],
};

function citationPattern(agency: Agency): RegExp {
  const key = `[${agency[0]!.toUpperCase()}${agency[0]}]${agency.slice(1)}`;
  const item = `(?:${HEAD[agency]})(?: ?${CLAUSE})*`;
  const next = `(?:(?:${NEXT_HEAD[agency]})(?: ?${CLAUSE})*|(?:${CLAUSE})+)`;
  return new RegExp(String.raw`\b${key} (${item}(?:(?:, ?| ?[-–] ?)${next})*)`, 'g');
}
const PATTERNS = AGENCIES.map((a) => [a, citationPattern(a)] as const);

/** One cited clause: the agency and the path of numbers and letters down to it. */
interface Atom {
  agency: Agency;
  path: string[];
}
/** Documents numbered like Lexipol manuals: `426.6` and `426.6.1` are different sections. */
const NUMBERED: ReadonlySet<Agency> = new Set(['roseville', 'shasta']);
const isClause = (t: string): boolean => t.startsWith('(');
const key = (a: Atom): string =>
  `${a.agency} ${a.path.reduce((s, t) => (s === '' ? t : isClause(t) ? `${s}${NUMBERED.has(a.agency) ? ' ' : ''}${t}` : `${s}.${t}`), '')}`;

/**
 * `426.6.1 (c)` → 426, 6, 1, (c); `D.2.b(2)` and `E.1.a.(1)` → D, 2, b, (2); in the lettered
 * documents `E.1 (a)` is `E.1.a`.
 */
function tokens(agency: Agency, item: string): string[] {
  if (item.startsWith('"')) return [item];
  const all = item.match(/\(\w+\)|\d+|[A-Za-z]+/g) ?? [];
  return NUMBERED.has(agency) ? all : all.map((t) => (/^\([a-z]\)$/.test(t) ? t.slice(1, -1) : t));
}

/** Expands `426.6.1 (a)-(c)`, `C.2, C.4–C.6`, `E.1 (a), (a)(1), (b)` into the clauses they name. */
function expand(agency: Agency, section: string): Atom[] {
  const parts = section.split(/(, ?| ?[-–] ?)/);
  const first = tokens(agency, parts[0]!);
  const base = tokens(agency, parts[0]!.replace(/ ?\(.*$/, ''));
  const resolveItem = (item: string): string[] => (item.startsWith('(') ? [...base, ...tokens(agency, item)] : tokens(agency, item));
  const out: string[][] = [first];
  for (let i = 1; i < parts.length; i += 2) {
    const item = resolveItem(parts[i + 1]!);
    if (/[-–]/.test(parts[i]!)) {
      const from = out.at(-1)!;
      const last = from.at(-1)!;
      const wrap = (v: string): string => (isClause(last) ? `(${v})` : v);
      const a = last.replace(/[()]/g, '');
      const b = item.at(-1)!.replace(/[()]/g, '');
      const numeric = /^\d+$/.test(a);
      const lo = numeric ? Number(a) : a.charCodeAt(0);
      const hi = numeric ? Number(b) : b.charCodeAt(0);
      for (let v = lo + 1; v < hi; v += 1) out.push([...from.slice(0, -1), wrap(numeric ? String(v) : String.fromCharCode(v))]);
    }
    out.push(item);
  }
  return out.map((path) => ({ agency, path }));
}

interface Citation {
  file: string;
  text: string;
  atoms: Atom[];
}

/** Comment markers and line breaks inside a citation that wraps onto the next line become one space. */
const flatten = (text: string): string => text.replace(/[ \t]*\r?\n[ \t]*(?:(?:\*(?!\/)|\/\/|#+)[ \t]*)?/g, ' ').replace(/[ \t]+/g, ' ');

function citations(file: string, text: string): Citation[] {
  const flat = flatten(text);
  return PATTERNS.flatMap(([agency, re]) =>
    [...flat.matchAll(re)].map((m) => ({ file, text: `${agency} ${m[1]!}`, atoms: expand(agency, m[1]!.replace(/^525\.08 /, '')) })),
  );
}

function filesUnder(path: string): string[] {
  const full = join(root, path);
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split('\\').join('/'));
}

function scanned(): Citation[] {
  return SCANNED.flatMap(filesUnder)
    .filter((f) => f !== POLICIES)
    .sort()
    .flatMap((f) => {
      const bytes = readFileSync(join(root, f));
      return bytes.includes(0) ? [] : citations(f, bytes.toString('utf8'));
    });
}

/** The first column of the "Cited sections" table. */
function listed(): Atom[] {
  const page = readFileSync(join(root, POLICIES), 'utf8');
  const start = page.indexOf('## Cited sections');
  const next = page.indexOf('\n## ', start + 1);
  const rows = page.slice(start, next < 0 ? undefined : next).split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| citation'));
  return rows.flatMap((row) => citations(POLICIES, row.split('|')[1]!).flatMap((c) => c.atoms));
}

const startsWith = (path: string[], prefix: string[]): boolean => prefix.length <= path.length && prefix.every((t, i) => t === path[i]);

/**
 * Listed when the page explains the clause itself, a clause that contains it (`shasta 467.6`
 * explains `shasta 467.6 (a)`), or, for a citation of a whole section, clauses of that section
 * (`roseville 426.9 (a), (b)` explain `roseville 426.9`, but `426.6.1` does not explain `426.6`).
 */
function isListed(atom: Atom, page: Atom[]): boolean {
  return page.some(
    (p) =>
      p.agency === atom.agency &&
      (startsWith(atom.path, p.path) || (startsWith(p.path, atom.path) && (!NUMBERED.has(atom.agency) || p.path.slice(atom.path.length).every(isClause)))),
  );
}

describe('policy citations (docs/policies.md)', () => {
  it('recognises the forms the code writes and not ordinary text', () => {
    const found = (text: string): string[] => citations('x', text).flatMap((c) => c.atoms.map(key));
    expect(found('(roseville 426.6.1 (a)-(c); sacramento-pd 525.08 C.2–C.4)')).toEqual([
      'roseville 426.6.1 (a)',
      'roseville 426.6.1 (b)',
      'roseville 426.6.1 (c)',
      'sacramento-pd C.2',
      'sacramento-pd C.3',
      'sacramento-pd C.4',
    ]);
    expect(found(' * sacramento-pd\n * D.2.b(2), sacramento-da IV.B.a.ii, Roseville 426.4.1 (c).')).toEqual([
      'roseville 426.4.1 (c)',
      'sacramento-pd D.2.b(2)',
      'sacramento-da IV.B.a.ii',
    ]);
    expect(found('sacramento-pd E.1 (a), (a)(1), (b); shasta 467.7; santa-clara "ALPR Operation"')).toEqual([
      'shasta 467.7',
      'sacramento-pd E.1.a',
      'sacramento-pd E.1.a(1)',
      'sacramento-pd E.1.b',
      'santa-clara "ALPR Operation"',
    ]);
    expect(found('sacramento-pd 525.08 C; roseville 426.7, 180 days')).toEqual(['roseville 426.7', 'sacramento-pd C']);
    expect(found('Roseville Police Department, Shasta County 2024, the sacramento-pd A team, sacramento-da I think, Civil Code § 1798.90.55')).toEqual([]);
  });

  it('lists every citation used in src/, docs/, README.md and config/', () => {
    const page = listed();
    expect(page.length).toBeGreaterThan(20);
    const all = scanned();
    const missing = all.filter((c) => !c.atoms.every((a) => isListed(a, page))).map((c) => `${c.file}: ${c.text}`);
    expect([...new Set(missing)]).toEqual([]);
  });
});
