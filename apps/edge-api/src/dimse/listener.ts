/**
 * The DICOM listener (Node only): a DIMSE SCP over dcmjs-dimse that answers C-ECHO and C-STORE.
 *
 * - Association: the calling AE title must be on a tenant's allow-list (`tenants create
 *   --dicom-ae`), otherwise the association is rejected (calling AE not recognized). Verification
 *   and every Storage SOP class are accepted, so a non-CT instance gets a per-instance failure
 *   status with a reason instead of a silent "no presentation context" at the peer.
 * - C-STORE: the dataset is collected into a bounded buffer (larger than the instance limit:
 *   counted, not kept), given a Part 10 file meta and handed to the same ingest function as HTTP
 *   uploads. A refusal answers a failure status with `CODE: message` in Error Comment; nothing
 *   is stored for it and the association goes on.
 * - A peer that drops mid-instance: the partial dataset never reaches ingest; earlier instances
 *   are stored and kept.
 * - Studies are filed by Study Instance UID into the tenant's receiving study and submitted
 *   after a quiet period ({@link QuietSubmitter}).
 */
import net from 'node:net';
import type { Writable } from 'node:stream';
import dimse from 'dcmjs-dimse';
import { supportedTransferSyntaxes } from '@embolus/dicom';
import type { Principal } from '@embolus/db';
import type { AppDeps } from '../deps';
import { ingestInstance, tenantPseudonym, type IngestOutcome } from '../upload/ingest';
import { BoundedCollector, studyFor } from './filing';
import { fileMetaBytes } from './part10';
import { QuietSubmitter } from './quiet-submit';
import { DIMSE_STATUS, errorComment, refusalStatus } from './status';

const { Scp, Dataset } = dimse;
// dcmjs-dimse logs every PDU at info level to stdout; our own JSON log lines say what matters.
dimse.log.setLevel('error');
const { CEchoResponse, CStoreResponse } = dimse.responses;
const { PresentationContextResult, RejectResult, RejectSource, RejectReason, SopClass, TransferSyntax } = dimse.constants;

type Association = InstanceType<typeof dimse.association.Association>;
type CStoreRequest = InstanceType<typeof dimse.requests.CStoreRequest>;
type PresentationContext = InstanceType<typeof dimse.association.PresentationContext>;

/** The largest PDU we accept (see bench:dimse). */
const MAX_PDU_BYTES = 65536;
/** Storage SOP classes share this root (PS3.4 B.5). */
const STORAGE_ROOT = '1.2.840.10008.5.1.4.1.1.';
/** Transfer syntaxes accepted, best first: uncompressed explicit, implicit, then what @embolus/dicom decodes. */
const ACCEPTED_TS = [
  TransferSyntax.ExplicitVRLittleEndian,
  TransferSyntax.ImplicitVRLittleEndian,
  ...supportedTransferSyntaxes()
    .filter((t) => !t.bigEndian)
    .map((t) => t.uid),
];

/** Events the listener reports (tests and the bench observe these). */
export interface ListenerEvents {
  onStored?: (e: { tenantId: string; studyId: string; outcome: IngestOutcome; ms: number }) => void;
  onSubmitted?: (e: { tenantId: string; studyId: string; jobId: string | null }) => void;
}

/** Options of {@link startDicomListener}. */
export interface DicomListenerOptions extends ListenerEvents {
  deps: AppDeps;
  port: number;
  host?: string;
  /** Our AE title; an association calling another one is rejected (called AE not recognized). */
  aeTitle: string;
  /** Quiet period before a study is submitted (default: config `dicomQuietMs`). */
  quietMs?: number;
  /** Most open connections (default: config `dicomMaxAssociations`). */
  maxAssociations?: number;
}

/** A running listener. */
export interface DicomListener {
  port: number;
  aeTitle: string;
  submitter: QuietSubmitter;
  close(): Promise<void>;
}

interface Shared {
  deps: AppDeps;
  aeTitle: string;
  submitter: QuietSubmitter;
  events: ListenerEvents;
  /** Study creation per (tenant, Study Instance UID), serialized so concurrent associations share one study. */
  studyLocks: Map<string, Promise<string>>;
  sockets: Set<net.Socket>;
  maxAssociations: number;
}

/** Starts the listener on `host:port` (port 0: any free port). */
export async function startDicomListener(options: DicomListenerOptions): Promise<DicomListener> {
  const { deps } = options;
  const submitter = new QuietSubmitter(deps, options.quietMs ?? deps.config.dicomQuietMs, options.onSubmitted);
  const shared: Shared = {
    deps,
    aeTitle: options.aeTitle,
    submitter,
    events: options,
    studyLocks: new Map(),
    sockets: new Set(),
    maxAssociations: options.maxAssociations ?? deps.config.dicomMaxAssociations,
  };
  const ScpClass = makeScp(shared);
  const server = net.createServer((socket) => {
    shared.sockets.add(socket);
    // C-STORE is request/response per instance: without TCP_NODELAY a small response can wait
    // for a delayed ACK (bench:dimse went from ~40 to 55–120 MB/s).
    socket.setNoDelay(true);
    socket.on('close', () => shared.sockets.delete(socket));
    socket.on('error', () => undefined);
    const scp = new ScpClass(socket, { associationTimeout: 60_000, pduTimeout: 60_000 }) as unknown as InstanceType<typeof Scp> & {
      connected: boolean;
      flushAudit(): Promise<void>;
    };
    scp.connected = true;
    socket.once('close', () => void scp.flushAudit());
    scp.on('networkError', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  deps.logger.log('info', 'dimse.listening', { port, aeTitle: options.aeTitle });
  return {
    port,
    aeTitle: options.aeTitle,
    submitter,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of shared.sockets) s.destroy();
      });
      await submitter.close();
    },
  };
}

function chooseTransferSyntax(proposed: string[]): string | null {
  for (const ts of ACCEPTED_TS) if (proposed.includes(ts)) return ts;
  return null;
}

function makeScp(shared: Shared) {
  const { deps } = shared;
  return class EmbolusScp extends Scp {
    private principal: Principal | null = null;
    private pseudonym: RegExp | null = null;
    private collector: BoundedCollector | null = null;
    private callingAe = '';
    /** Per association: what each study received, and refusals (audited when the connection closes). */
    private counts = new Map<string, { stored: number; duplicate: number }>();
    private refused = 0;

    /** Writes one audit record per study this association wrote to (like STOW-RS's `instance.write`). */
    async flushAudit(): Promise<void> {
      const principal = this.principal;
      if (!principal) return;
      const entries = [...this.counts];
      this.counts.clear();
      try {
        for (const [studyId, c] of entries) {
          await deps.store.audit.write({
            tenantId: principal.tenantId,
            keyId: null,
            role: null,
            action: 'instance.write',
            studyId,
            detail: { via: 'dimse', callingAe: this.callingAe, ...c, refused: this.refused },
          });
        }
      } catch (e) {
        deps.logger.log('error', 'dimse.audit_failed', { code: (e as { code?: string }).code ?? 'INTERNAL' });
      }
    }

    override associationRequested(association: Association): void {
      this.callingAe = association.getCallingAeTitle().trim();
      const called = association.getCalledAeTitle().trim();
      void (async () => {
        // Memory is bounded per connection (one instance buffered at a time), so the number of
        // connections bounds the listener's memory: past the limit, a transient rejection.
        if (shared.sockets.size > shared.maxAssociations) {
          deps.logger.log('warn', 'dimse.association_rejected', { reason: 'limit' });
          return this.sendAssociationReject(
            RejectResult.Transient,
            RejectSource.ServiceProviderPresentation,
            RejectReason.LocalLimitExceeded,
          );
        }
        if (called !== shared.aeTitle) {
          deps.logger.log('warn', 'dimse.association_rejected', { reason: 'called_ae' });
          return this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeNotRecognized);
        }
        const tenantId = await deps.store.dicom.tenantForAe(this.callingAe);
        if (!tenantId) {
          deps.logger.log('warn', 'dimse.association_rejected', { reason: 'calling_ae' });
          return this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeNotRecognized);
        }
        this.principal = { tenantId, keyId: `dicom-ae:${this.callingAe}`, role: 'partner' };
        this.pseudonym = await tenantPseudonym(deps, tenantId);
        // 64 KiB PDUs: fewer PDUs to parse per slice than the common 16 KB (bench:dimse: ~90 vs
        // ~75 MB per CPU-second); 1 MiB was slower (dcmjs-dimse re-buffers a PDU as it arrives).
        association.setMaxPduLength(MAX_PDU_BYTES);
        for (const c of association.getPresentationContexts()) {
          const context = association.getPresentationContext(c.id);
          const abstract = context.getAbstractSyntaxUid();
          if (abstract !== SopClass.Verification && !abstract.startsWith(STORAGE_ROOT)) {
            context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
            continue;
          }
          const ts = chooseTransferSyntax(context.getTransferSyntaxUids());
          if (ts) context.setResult(PresentationContextResult.Accept, ts);
          else context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
        }
        deps.logger.log('info', 'dimse.association_accepted', { tenantId });
        this.sendAssociationAccept();
      })().catch((e) => {
        deps.logger.log('error', 'dimse.association_failed', { code: (e as { code?: string }).code ?? 'INTERNAL' });
        this.sendAssociationReject(RejectResult.Transient, RejectSource.ServiceUser, RejectReason.NoReasonGiven);
      });
    }

    /** A-ABORT from the peer: whatever instance was in flight is dropped (never reached ingest). */
    override abort(): void {
      deps.logger.log('warn', 'dimse.aborted', {});
    }

    override associationReleaseRequested(): void {
      this.sendAssociationReleaseResponse();
    }

    override cEchoRequest(
      request: InstanceType<typeof dimse.requests.CEchoRequest>,
      callback: (r: InstanceType<typeof CEchoResponse>) => void,
    ): void {
      const response = CEchoResponse.fromRequest(request);
      response.setStatus(DIMSE_STATUS.success);
      callback(response);
    }

    override createStoreWritableStream(pc: PresentationContext): Writable {
      this.collector = new BoundedCollector(deps.config.maxInstanceBytes, pc.getAcceptedTransferSyntaxUid() ?? '');
      return this.collector;
    }

    override createDatasetFromStoreWritableStream(
      _w: Writable,
      _pc: PresentationContext,
      callback: (dataset: InstanceType<typeof Dataset>) => void,
    ): void {
      // The bytes are ingested as received; dcmjs need not parse them (an empty placeholder).
      callback(new Dataset({}));
    }

    override cStoreRequest(request: CStoreRequest, callback: (r: InstanceType<typeof CStoreResponse>) => void): void {
      const collector = this.collector;
      this.collector = null;
      const started = performance.now();
      void this.store(request, collector)
        .then((outcome) => {
          const response = CStoreResponse.fromRequest(request);
          if (outcome.status === 'refused') {
            response.setStatus(refusalStatus(outcome.code));
            response.setErrorComment(errorComment(outcome.code, outcome.message));
          } else {
            response.setStatus(DIMSE_STATUS.success);
          }
          if (this.principal)
            shared.events.onStored?.({
              tenantId: this.principal.tenantId,
              studyId: outcome.status === 'refused' ? '' : (outcome.studyId ?? ''),
              outcome,
              ms: performance.now() - started,
            });
          callback(response);
        })
        .catch((e) => {
          deps.logger.log('error', 'dimse.store_failed', { code: (e as { code?: string }).code ?? 'INTERNAL' });
          const response = CStoreResponse.fromRequest(request);
          response.setStatus(DIMSE_STATUS.processingFailure);
          response.setErrorComment('INTERNAL: the instance could not be stored');
          callback(response);
        });
    }

    private async store(request: CStoreRequest, collector: BoundedCollector | null): Promise<IngestOutcome> {
      const principal = this.principal;
      if (!principal || !collector) return { status: 'refused', code: 'NOT_DICOM', message: 'no dataset', details: {} };
      const limit = deps.config.maxInstanceBytes;
      if (collector.size > limit) {
        return {
          status: 'refused',
          code: 'INSTANCE_TOO_LARGE',
          message: `instance is larger than ${limit} bytes`,
          details: { size: collector.size, limit },
        };
      }
      const meta = fileMetaBytes({
        sopClassUid: request.getAffectedSopClassUid(),
        sopInstanceUid: request.getAffectedSopInstanceUid(),
        transferSyntaxUid: collector.transferSyntaxUid,
        sourceAe: this.callingAe,
      });
      const bytes = new Uint8Array(meta.length + collector.size);
      bytes.set(meta);
      let off = meta.length;
      for (const c of collector.chunks) {
        bytes.set(c, off);
        off += c.length;
      }
      collector.chunks = [];
      const outcome = await ingestInstance(
        deps,
        {
          principal,
          pseudonym: this.pseudonym,
          source: 'C-STORE',
          expectedSopUid: request.getAffectedSopInstanceUid(),
          studyId: (facts) => studyFor(deps, shared.studyLocks, principal.tenantId, facts.studyInstanceUid ?? ''),
        },
        bytes,
      );
      if (outcome.status !== 'refused' && outcome.studyId) {
        shared.submitter.touch(principal.tenantId, outcome.studyId);
        const c = this.counts.get(outcome.studyId) ?? { stored: 0, duplicate: 0 };
        c[outcome.status]++;
        this.counts.set(outcome.studyId, c);
      } else this.refused++;
      if (outcome.status === 'refused') deps.logger.log('warn', 'dimse.instance_refused', { code: outcome.code });
      return outcome;
    }
  };
}
