/**
 * The identifying attributes of the DICOM PS3.15 Annex E Basic Application Level
 * Confidentiality Profile (Table E.1-1), as data. `action` is the profile's action code
 * (X remove, Z zero-length or dummy, D dummy, U new UID…).
 *
 * `refuse: true` marks attributes that must hold no value for an upload to be accepted as
 * anonymized. Entries the profile lists but that do not identify a patient once the profile's
 * options are applied are kept with `refuse: false` and the option that retains them:
 * - UIDs are replaced by the profile (U), not removed, so they are always present;
 * - dates and times may be kept shifted (Retain Longitudinal Temporal Information option);
 * - descriptions may be kept cleaned (Clean Descriptors option);
 * - sex, age, size, weight (Retain Patient Characteristics option);
 * - device identity (Retain Device Identity option).
 * PatientID is refused unless it matches the tenant's pseudonym pattern.
 *
 * Shared by the API's upload check (what it refuses) and the browser's de-identification in
 * `@embolus/deid` (what it removes: every entry here, plus the retained ones unless an option
 * keeps them, plus the rest of Table E.1-1 that CT headers carry).
 */

/** One attribute of the profile. */
export interface ProfileAttribute {
  keyword: string;
  /** `GGGGEEEE`, upper-case hex. */
  tag: string;
  action: string;
  refuse: boolean;
  /** Why a listed attribute is not refused. */
  retainedBy?: 'uid' | 'temporal' | 'descriptors' | 'patient-characteristics' | 'device-identity';
  /** PatientID: accepted when it matches the tenant's pseudonym pattern. */
  pseudonym?: boolean;
}

const refuse = (keyword: string, tag: string, action: string): ProfileAttribute => ({ keyword, tag, action, refuse: true });
const keep = (keyword: string, tag: string, action: string, retainedBy: NonNullable<ProfileAttribute['retainedBy']>): ProfileAttribute => ({
  keyword,
  tag,
  action,
  refuse: false,
  retainedBy,
});

/** The profile's attributes relevant to patient identity. */
export const CONFIDENTIALITY_PROFILE: readonly ProfileAttribute[] = [
  // Patient identification
  refuse('PatientName', '00100010', 'Z'),
  { keyword: 'PatientID', tag: '00100020', action: 'Z', refuse: true, pseudonym: true },
  refuse('IssuerOfPatientID', '00100021', 'X'),
  refuse('TypeOfPatientID', '00100022', 'X'),
  refuse('IssuerOfPatientIDQualifiersSequence', '00100024', 'X'),
  refuse('PatientBirthDate', '00100030', 'Z'),
  refuse('PatientBirthTime', '00100032', 'X'),
  refuse('PatientBirthDateInAlternativeCalendar', '00100033', 'X'),
  refuse('PatientDeathDateInAlternativeCalendar', '00100034', 'X'),
  refuse('PatientAlternativeCalendar', '00100035', 'X'),
  refuse('PatientInsurancePlanCodeSequence', '00100050', 'X'),
  refuse('PatientPrimaryLanguageCodeSequence', '00100101', 'X'),
  refuse('PatientPrimaryLanguageModifierCodeSequence', '00100102', 'X'),
  refuse('OtherPatientIDs', '00101000', 'X'),
  refuse('OtherPatientNames', '00101001', 'X'),
  refuse('OtherPatientIDsSequence', '00101002', 'X'),
  refuse('PatientBirthName', '00101005', 'X'),
  refuse('PatientAddress', '00101040', 'X'),
  refuse('PatientMotherBirthName', '00101060', 'X'),
  refuse('MilitaryRank', '00101080', 'X'),
  refuse('BranchOfService', '00101081', 'X'),
  refuse('MedicalRecordLocator', '00101090', 'X'),
  refuse('ReferencedPatientPhotoSequence', '00101100', 'X'),
  refuse('MedicalAlerts', '00102000', 'X'),
  refuse('Allergies', '00102110', 'X'),
  refuse('CountryOfResidence', '00102150', 'X'),
  refuse('RegionOfResidence', '00102152', 'X'),
  refuse('PatientTelephoneNumbers', '00102154', 'X'),
  refuse('PatientTelecomInformation', '00102155', 'X'),
  refuse('Occupation', '00102180', 'X'),
  refuse('AdditionalPatientHistory', '001021B0', 'X'),
  refuse('LastMenstrualDate', '001021D0', 'X'),
  refuse('PatientReligiousPreference', '001021F0', 'X'),
  refuse('ResponsiblePerson', '00102297', 'X'),
  refuse('ResponsibleOrganization', '00102299', 'X'),
  refuse('PatientComments', '00104000', 'X'),
  refuse('ReferencedPatientSequence', '00081120', 'X'),
  refuse('ReferencedPatientAliasSequence', '00380004', 'X'),
  refuse('PatientState', '00380500', 'X'),
  refuse('PatientInstitutionResidence', '00380400', 'X'),
  refuse('PatientTransportArrangements', '00401004', 'X'),
  refuse('ConfidentialityConstraintOnPatientDataDescription', '00403001', 'X'),
  // Visit and admission
  refuse('AdmissionID', '00380010', 'X'),
  refuse('IssuerOfAdmissionIDSequence', '00380014', 'X'),
  refuse('RouteOfAdmissions', '00380016', 'X'),
  refuse('ScheduledPatientInstitutionResidence', '0038001E', 'X'),
  refuse('AdmittingDate', '00380020', 'X'),
  refuse('AdmittingTime', '00380021', 'X'),
  refuse('DischargeDiagnosisDescription', '00380040', 'X'),
  refuse('SpecialNeeds', '00380050', 'X'),
  refuse('ServiceEpisodeID', '00380060', 'X'),
  refuse('ServiceEpisodeDescription', '00380062', 'X'),
  refuse('IssuerOfServiceEpisodeIDSequence', '00380064', 'X'),
  refuse('CurrentPatientLocation', '00380300', 'X'),
  refuse('VisitComments', '00384000', 'X'),
  refuse('AdmittingDiagnosesDescription', '00081080', 'X'),
  refuse('AdmittingDiagnosesCodeSequence', '00081084', 'X'),
  // Orders, requests and accession
  refuse('AccessionNumber', '00080050', 'Z'),
  refuse('IssuerOfAccessionNumberSequence', '00080051', 'X'),
  refuse('StudyID', '00200010', 'Z'),
  refuse('RequestAttributesSequence', '00400275', 'X'),
  refuse('RequestedProcedureID', '00401001', 'X'),
  refuse('ScheduledProcedureStepID', '00400009', 'X'),
  refuse('PerformedProcedureStepID', '00400253', 'X'),
  refuse('PlacerOrderNumberImagingServiceRequest', '00402016', 'Z'),
  refuse('FillerOrderNumberImagingServiceRequest', '00402017', 'Z'),
  refuse('OrderEnteredBy', '00402008', 'X'),
  refuse('OrderEntererLocation', '00402009', 'X'),
  refuse('OrderCallbackPhoneNumber', '00402010', 'X'),
  refuse('OrderCallbackTelecomInformation', '00402011', 'X'),
  refuse('ReasonForStudy', '00321030', 'X'),
  refuse('RequestedProcedureComments', '00401400', 'X'),
  refuse('ImagingServiceRequestComments', '00402400', 'X'),
  refuse('NamesOfIntendedRecipientsOfResults', '00401010', 'X'),
  refuse('IntendedRecipientsOfResultsIdentificationSequence', '00401011', 'X'),
  // Physicians, operators and other people
  refuse('ReferringPhysicianName', '00080090', 'Z'),
  refuse('ReferringPhysicianAddress', '00080092', 'X'),
  refuse('ReferringPhysicianTelephoneNumbers', '00080094', 'X'),
  refuse('ReferringPhysicianIdentificationSequence', '00080096', 'X'),
  refuse('ConsultingPhysicianName', '0008009C', 'X'),
  refuse('ConsultingPhysicianIdentificationSequence', '0008009D', 'X'),
  refuse('PhysiciansOfRecord', '00081048', 'X'),
  refuse('PhysiciansOfRecordIdentificationSequence', '00081049', 'X'),
  refuse('PerformingPhysicianName', '00081050', 'X'),
  refuse('PerformingPhysicianIdentificationSequence', '00081052', 'X'),
  refuse('NameOfPhysiciansReadingStudy', '00081060', 'X'),
  refuse('PhysiciansReadingStudyIdentificationSequence', '00081062', 'X'),
  refuse('OperatorsName', '00081070', 'X/Z/D'),
  refuse('OperatorIdentificationSequence', '00081072', 'X/D'),
  refuse('RequestingPhysician', '00321032', 'X'),
  refuse('RequestingPhysicianIdentificationSequence', '00321031', 'X'),
  refuse('RequestingService', '00321033', 'X'),
  refuse('ScheduledPerformingPhysicianName', '00400006', 'X'),
  refuse('PersonName', '0040A123', 'D'),
  refuse('PersonAddress', '00401102', 'X'),
  refuse('PersonTelephoneNumbers', '00401103', 'X'),
  refuse('PersonTelecomInformation', '00401104', 'X'),
  refuse('VerifyingObserverName', '0040A075', 'D'),
  refuse('VerifyingOrganization', '0040A027', 'X'),
  refuse('ReviewerName', '300E0008', 'X/Z'),
  refuse('ContentCreatorName', '00700084', 'Z'),
  refuse('AuthorObserverSequence', '0040A078', 'X'),
  refuse('ParticipantSequence', '0040A07A', 'X'),
  // Institution
  refuse('InstitutionName', '00080080', 'X/Z/D'),
  refuse('InstitutionAddress', '00080081', 'X'),
  refuse('InstitutionCodeSequence', '00080082', 'X/Z/D'),
  refuse('InstitutionalDepartmentName', '00081040', 'X'),
  refuse('InstitutionalDepartmentTypeCodeSequence', '00081041', 'X'),
  // Listed by the profile but retained under one of its options (documented above).
  keep('StudyInstanceUID', '0020000D', 'U', 'uid'),
  keep('SeriesInstanceUID', '0020000E', 'U', 'uid'),
  keep('SOPInstanceUID', '00080018', 'U', 'uid'),
  keep('FrameOfReferenceUID', '00200052', 'U', 'uid'),
  keep('StudyDate', '00080020', 'Z', 'temporal'),
  keep('SeriesDate', '00080021', 'X/D', 'temporal'),
  keep('AcquisitionDate', '00080022', 'X/Z', 'temporal'),
  keep('ContentDate', '00080023', 'Z/D', 'temporal'),
  keep('StudyTime', '00080030', 'Z', 'temporal'),
  keep('SeriesTime', '00080031', 'X/D', 'temporal'),
  keep('AcquisitionTime', '00080032', 'X/Z', 'temporal'),
  keep('ContentTime', '00080033', 'Z/D', 'temporal'),
  keep('StudyDescription', '00081030', 'X', 'descriptors'),
  keep('SeriesDescription', '0008103E', 'X', 'descriptors'),
  keep('ProtocolName', '00181030', 'X/D', 'descriptors'),
  keep('ImageComments', '00204000', 'X', 'descriptors'),
  keep('PatientSex', '00100040', 'Z', 'patient-characteristics'),
  keep('PatientAge', '00101010', 'X', 'patient-characteristics'),
  keep('PatientSize', '00101020', 'X', 'patient-characteristics'),
  keep('PatientWeight', '00101030', 'X', 'patient-characteristics'),
  keep('EthnicGroup', '00102160', 'X', 'patient-characteristics'),
  keep('SmokingStatus', '001021A0', 'X', 'patient-characteristics'),
  keep('PregnancyStatus', '001021C0', 'X', 'patient-characteristics'),
  keep('PatientSexNeutered', '00102203', 'X/Z', 'patient-characteristics'),
  keep('StationName', '00081010', 'X/Z/D', 'device-identity'),
  keep('DeviceSerialNumber', '00181000', 'X/Z/D', 'device-identity'),
  keep('DeviceUID', '00181002', 'U', 'device-identity'),
];

/** PatientIdentityRemoved (0012,0062). */
export const PATIENT_IDENTITY_REMOVED = '00120062';

/** `(GGGG,EEEE)` form of a `GGGGEEEE` tag. */
export function formatTag(tag: string): string {
  return `(${tag.slice(0, 4)},${tag.slice(4, 8)})`;
}
