/**
 * Which releases of ALPR data the law allows, decided before anything is selected
 * (sacramento-pd 525.08 C.2–C.6; shasta 467.7; roseville 426.9; Civil Code § 1798.90.55).
 *
 * A release records who asks (agency, its kind and state, the person), why (a purpose from the
 * list plus text), the written request (reference and date), and later who approved it and the
 * exact detections released. Refused with the policy cited: private entities, out-of-state and
 * federal agencies, immigration enforcement, and lawful gender-affirming care; any requester that
 * is not California law enforcement or a prosecutor goes to the records process instead.
 */
import { Type } from '@sinclair/typebox';
import { DETECTION_ID } from '../routes/reply.js';
import { NullableString } from '../schema.js';
import { SearchFields, type FieldError } from '../search-criteria.js';

export const AGENCY_KINDS = ['ca_law_enforcement', 'ca_prosecutor', 'out_of_state', 'federal', 'private', 'other'] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];

/** Purposes a request may state; the last two exist so that such a request is named and refused. */
export const RELEASE_PURPOSES = [
  'criminal investigation',
  'prosecution',
  'missing or at-risk person',
  'wanted person',
  'stolen vehicle recovery',
  'immigration enforcement',
  'gender-affirming health care',
] as const;

export const ReleaseRequestBody = Type.Object({
  ...SearchFields,
  /** The exact detections asked for; otherwise the search criteria select them. */
  detectionIds: Type.Optional(Type.Array(Type.String({ pattern: DETECTION_ID }), { minItems: 1, maxItems: 10_000, uniqueItems: true })),
  requestingAgency: Type.Optional(NullableString(200)),
  agencyKind: Type.Optional(NullableString(32)),
  agencyState: Type.Optional(NullableString(2)),
  requester: Type.Optional(NullableString(200)),
  releasePurposeCategory: Type.Optional(NullableString(80)),
  releasePurpose: Type.Optional(NullableString(500)),
  writtenRequestRef: Type.Optional(NullableString(100)),
  writtenRequestDate: Type.Optional(NullableString(10)),
  /** A supervisor's approval of an export whose purpose is not on the agency's list (`auth/approvals.ts`). */
  approvalId: Type.Optional(Type.Integer({ minimum: 1 })),
});

export interface ReleaseRequest {
  requestingAgency: string;
  agencyKind: AgencyKind;
  agencyState: string;
  requester: string;
  releasePurposeCategory: string;
  releasePurpose: string;
  writtenRequestRef: string;
  writtenRequestDate: string;
}

export interface Refusal {
  reason: string;
  policy: string;
}

const text = (v: string | null | undefined): string => v?.trim() ?? '';

/** The request's own fields, or what is missing or malformed (`now` bounds the request date). */
export function releaseRequest(
  b: Partial<Record<keyof ReleaseRequest, string | null>>,
  now: number,
): ReleaseRequest | FieldError[] {
  const errors: FieldError[] = [];
  const need = (field: keyof ReleaseRequest, message: string): string => {
    const v = text(b[field]);
    if (!v) errors.push({ field, message });
    return v;
  };
  const requestingAgency = need('requestingAgency', 'the requesting agency is required (shasta 467.7 (a))');
  const kind = need('agencyKind', `the kind of agency is required: ${AGENCY_KINDS.join(', ')}`);
  if (kind && !(AGENCY_KINDS as readonly string[]).includes(kind)) errors.push({ field: 'agencyKind', message: `one of ${AGENCY_KINDS.join(', ')}` });
  const agencyState = need('agencyState', "the requesting agency's state (two letters) is required").toUpperCase();
  if (agencyState && !/^[A-Z]{2}$/.test(agencyState)) errors.push({ field: 'agencyState', message: 'two letters, e.g. CA' });
  const requester = need('requester', 'the name of the person requesting is required (shasta 467.7 (a) 2)');
  const category = need('releasePurposeCategory', `the purpose is required: ${RELEASE_PURPOSES.join(', ')}`);
  if (category && !(RELEASE_PURPOSES as readonly string[]).includes(category)) errors.push({ field: 'releasePurposeCategory', message: `one of ${RELEASE_PURPOSES.join(', ')}` });
  const releasePurpose = need('releasePurpose', 'describe the purpose of the request');
  const writtenRequestRef = need('writtenRequestRef', 'the reference of the written request is required (shasta 467.7 (a))');
  const writtenRequestDate = need('writtenRequestDate', 'the date of the written request is required (YYYY-MM-DD)');
  if (writtenRequestDate) {
    const t = /^\d{4}-\d{2}-\d{2}$/.test(writtenRequestDate) ? Date.parse(`${writtenRequestDate}T00:00:00Z`) : NaN;
    if (Number.isNaN(t)) errors.push({ field: 'writtenRequestDate', message: 'a date as YYYY-MM-DD' });
    else if (t > now + 86_400_000) errors.push({ field: 'writtenRequestDate', message: 'the written request cannot be dated in the future' });
  }
  if (errors.length) return errors;
  return { requestingAgency, agencyKind: kind as AgencyKind, agencyState, requester, releasePurposeCategory: category, releasePurpose, writtenRequestRef, writtenRequestDate };
}

const IMMIGRATION_WORDS = /\bimmigra\w*|\bdeport\w*|\bremoval proceeding|\bhomeland security\b|\bcustoms and border\b/i;
/** Upper case only: "ice" is also an ordinary word. */
const IMMIGRATION_AGENCIES = /\b(?:ICE|CBP|ERO|HSI|DHS|USCIS)\b/;
const GENDER_CARE = /\bgender[- ]affirming\b|\btransgender\b|\bgender transition\b|\bpuberty blocker|\bsex reassignment\b/i;

/** Why the law forbids this release, or null when it may go ahead (to a second person's approval). */
export function releaseRefusal(r: ReleaseRequest): Refusal | null {
  const said = `${r.requestingAgency} ${r.releasePurpose} ${r.requester}`;
  if (r.releasePurposeCategory === 'immigration enforcement' || IMMIGRATION_WORDS.test(said) || IMMIGRATION_AGENCIES.test(said)) {
    return { reason: 'ALPR data is not provided to assist immigration enforcement', policy: 'sacramento-pd 525.08 C.5; Gov. Code § 7284.6' };
  }
  if (r.releasePurposeCategory === 'gender-affirming health care' || GENDER_CARE.test(said)) {
    return {
      reason: 'no information is provided about lawful gender-affirming health care or mental health care performed in California',
      policy: 'sacramento-pd 525.08 C.6; Penal Code § 13778.3',
    };
  }
  switch (r.agencyKind) {
    case 'private':
      return { reason: 'ALPR data is not shared with private entities', policy: 'Civil Code § 1798.90.55 (b); sacramento-pd 525.08 C.4' };
    case 'federal':
      return { reason: 'ALPR data is not shared with federal agencies', policy: 'Civil Code § 1798.90.55 (b); sacramento-pd 525.08 C.4' };
    case 'out_of_state':
      return { reason: 'ALPR data is not shared with out-of-state agencies', policy: 'Civil Code § 1798.90.55 (b); sacramento-pd 525.08 C.4' };
    case 'other':
      return {
        reason: 'requests from agencies other than California law enforcement or prosecutors go to the records process, not the device',
        policy: 'shasta 467.7; roseville 426.9; Civil Code § 1798.90.55',
      };
    case 'ca_law_enforcement':
    case 'ca_prosecutor':
      if (r.agencyState !== 'CA') return { reason: 'ALPR data is not shared with out-of-state agencies', policy: 'Civil Code § 1798.90.55 (b); sacramento-pd 525.08 C.4' };
      return null;
  }
}
