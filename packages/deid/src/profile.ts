/**
 * What the browser does to each attribute: the API's table (`@embolus/shared`, every attribute
 * the API refuses) plus the rest of PS3.15 Table E.1-1 that CT headers carry, resolved against
 * the profile options chosen. UIDs are always retained (Retain UIDs Option): see the README for
 * why.
 */
import { CONFIDENTIALITY_PROFILE, type ProfileAttribute } from '@embolus/shared';

/** Profile options (PS3.15 E.3). All off by default: the Basic Profile plus Retain UIDs. */
export interface ProfileOptions {
  /** Retain Longitudinal Temporal Information with Full Dates Option (DCM 113106). */
  retainDates?: boolean;
  /** Retain Patient Characteristics Option (DCM 113108): sex, age, size, weight… */
  retainPatientCharacteristics?: boolean;
  /** Retain Device Identity Option (DCM 113109): station name, serial numbers. */
  retainDeviceIdentity?: boolean;
}

/** What happens to an attribute that holds a value. */
export type Treatment = 'remove' | 'empty';

/** One resolved rule. */
export interface Rule {
  keyword: string;
  /** `GGGGEEEE`, upper-case hex. */
  tag: string;
  /** The profile's action code (X, Z, D, X/Z…). */
  action: string;
  treatment: Treatment;
}

type Retained = NonNullable<ProfileAttribute['retainedBy']>;
const extra = (keyword: string, tag: string, action: string, retainedBy?: Retained): ProfileAttribute => ({
  keyword,
  tag,
  action,
  refuse: false,
  ...(retainedBy ? { retainedBy } : {}),
});

/**
 * Table E.1-1 attributes the API does not refuse (they identify nobody by themselves, or are
 * retired) but that the Basic Profile still removes. Only those a CT file can carry.
 */
export const BROWSER_EXTRA: readonly ProfileAttribute[] = [
  extra('InstanceCreationDate', '00080012', 'X/D', 'temporal'),
  extra('InstanceCreationTime', '00080013', 'X/Z/D', 'temporal'),
  extra('InstanceCreatorUID', '00080014', 'U', 'uid'),
  extra('OverlayDate', '00080024', 'X', 'temporal'),
  extra('CurveDate', '00080025', 'X', 'temporal'),
  extra('AcquisitionDateTime', '0008002A', 'X/D', 'temporal'),
  extra('OverlayTime', '00080034', 'X', 'temporal'),
  extra('CurveTime', '00080035', 'X', 'temporal'),
  extra('TimezoneOffsetFromUTC', '00080201', 'X'),
  extra('ReferencedStudySequence', '00081110', 'X/Z'),
  extra('ReferencedPerformedProcedureStepSequence', '00081111', 'X/Z/D'),
  extra('DerivationDescription', '00082111', 'X', 'descriptors'),
  extra('IdentifyingComments', '00084000', 'X'),
  extra('ContrastBolusAgent', '00180010', 'Z/D', 'descriptors'),
  extra('GantryID', '00181008', 'X', 'device-identity'),
  extra('AcquisitionDeviceProcessingDescription', '00181400', 'X/D', 'descriptors'),
  extra('AcquisitionComments', '00184000', 'X', 'descriptors'),
  extra('DetectorID', '0018700A', 'X/D', 'device-identity'),
  extra('FrameComments', '00209158', 'X', 'descriptors'),
  extra('RequestedProcedureDescription', '00321060', 'X/Z', 'descriptors'),
  extra('StudyComments', '00324000', 'X'),
  extra('ScheduledStationAETitle', '00400001', 'X'),
  extra('ScheduledProcedureStepStartDate', '00400002', 'X', 'temporal'),
  extra('ScheduledProcedureStepStartTime', '00400003', 'X', 'temporal'),
  extra('ScheduledProcedureStepEndDate', '00400004', 'X', 'temporal'),
  extra('ScheduledProcedureStepEndTime', '00400005', 'X', 'temporal'),
  extra('ScheduledProcedureStepDescription', '00400007', 'X', 'descriptors'),
  extra('ScheduledStationName', '00400010', 'X'),
  extra('ScheduledProcedureStepLocation', '00400011', 'X'),
  extra('PerformedStationAETitle', '00400241', 'X'),
  extra('PerformedStationName', '00400242', 'X'),
  extra('PerformedLocation', '00400243', 'X'),
  extra('PerformedProcedureStepStartDate', '00400244', 'X', 'temporal'),
  extra('PerformedProcedureStepStartTime', '00400245', 'X', 'temporal'),
  extra('PerformedProcedureStepEndDate', '00400250', 'X', 'temporal'),
  extra('PerformedProcedureStepEndTime', '00400251', 'X', 'temporal'),
  extra('PerformedProcedureStepDescription', '00400254', 'X', 'descriptors'),
  extra('ReasonForTheRequestedProcedure', '00401002', 'X'),
  extra('ContentSequence', '0040A730', 'X'),
  extra('IconImageSequence', '00880200', 'X'),
  extra('TextString', '20300020', 'X'),
  extra('EncryptedAttributesSequence', '04000500', 'X'),
  extra('ModifiedAttributesSequence', '04000550', 'X'),
  extra('OriginalAttributesSequence', '04000561', 'X'),
  extra('TextComments', '40004000', 'X'),
  extra('MACParametersSequence', '4FFE0001', 'X'),
  extra('DigitalSignaturesSequence', 'FFFAFFFA', 'X'),
  extra('DataSetTrailingPadding', 'FFFCFFFC', 'X'),
];

/** File Meta Information attributes that name the sending site; removed from the meta group. */
export const META_REMOVED: readonly { keyword: string; tag: string }[] = [
  { keyword: 'SourceApplicationEntityTitle', tag: '00020016' },
  { keyword: 'SendingApplicationEntityTitle', tag: '00020017' },
  { keyword: 'ReceivingApplicationEntityTitle', tag: '00020018' },
  { keyword: 'PrivateInformationCreatorUID', tag: '00020100' },
  { keyword: 'PrivateInformation', tag: '00020102' },
];

/**
 * X removes; Z and D give a zero-length value. For compound codes the first one applies
 * (X/Z → remove, Z/D → empty): the CT Image IOD makes none of those attributes type 1. D is
 * emptied rather than given a dummy: a dummy is a value the API's check would refuse, and it
 * carries no information either.
 */
function treatmentOf(action: string): Treatment | null {
  if (action.startsWith('X')) return 'remove';
  if (action.startsWith('Z') || action.startsWith('D')) return 'empty';
  return null; // U, K: kept
}

function retained(by: Retained | undefined, o: ProfileOptions): boolean {
  switch (by) {
    case 'uid':
      return true;
    case 'temporal':
      return o.retainDates === true;
    case 'patient-characteristics':
      return o.retainPatientCharacteristics === true;
    case 'device-identity':
      return o.retainDeviceIdentity === true;
    default:
      // Descriptors: the Clean Descriptors Option needs free text cleaned, which cannot be done
      // reliably in a browser, so they are always removed.
      return false;
  }
}

/** The rules for a set of options, by tag. Every attribute the API refuses has a rule. */
export function resolveRules(options: ProfileOptions = {}): Map<string, Rule> {
  const rules = new Map<string, Rule>();
  for (const a of [...CONFIDENTIALITY_PROFILE, ...BROWSER_EXTRA]) {
    // Attributes the API refuses are removed whatever the options say.
    if (!a.refuse && retained(a.retainedBy, options)) continue;
    const treatment = treatmentOf(a.action);
    if (treatment) rules.set(a.tag.toUpperCase(), { keyword: a.keyword, tag: a.tag.toUpperCase(), action: a.action, treatment });
  }
  return rules;
}

/** The DeidentificationMethodCodeSequence codes (CID 7050) for a set of options. */
export function methodCodes(options: ProfileOptions = {}): { value: string; meaning: string }[] {
  const codes = [
    { value: '113100', meaning: 'Basic Application Confidentiality Profile' },
    { value: '113110', meaning: 'Retain UIDs Option' },
  ];
  if (options.retainDates) codes.push({ value: '113106', meaning: 'Retain Longitudinal Temporal Information Full Dates Option' });
  if (options.retainPatientCharacteristics) codes.push({ value: '113108', meaning: 'Retain Patient Characteristics Option' });
  if (options.retainDeviceIdentity) codes.push({ value: '113109', meaning: 'Retain Device Identity Option' });
  return codes;
}

/** `(GGGG,EEEE)` form of a `GGGGEEEE` tag. */
export function formatTag(tag: string): string {
  return `(${tag.slice(0, 4)},${tag.slice(4, 8)})`;
}
