/**
 * An ONVIF device simulator for tests: device and media (ver10) services over HTTP SOAP 1.2,
 * WS-UsernameToken authentication checked as the Core specification says (PasswordDigest =
 * Base64(SHA-1(nonce + created + password)), created within ±5 min of the device clock, a nonce
 * accepted once), and a WS-Discovery responder (Probe → ProbeMatches, RelatesTo the probe's
 * MessageID). No ONVIF emulator exists as a package, so this is the project's own.
 *
 * Actions: GetSystemDateAndTime (no auth, as the spec allows), GetServices, GetCapabilities,
 * GetDeviceInformation, GetScopes, GetProfiles, GetVideoSources, GetStreamUri; anything else is
 * a SOAP fault ter:ActionNotSupported.
 */
import { createHash } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

export interface SimProfile {
  token: string;
  name: string;
  width: number;
  height: number;
  encoding?: 'H264' | 'H265';
  fps?: number;
  streamUri: string;
}

export interface OnvifSimOptions {
  username: string;
  password: string;
  profiles: SimProfile[];
  name?: string;
  hardware?: string;
  /** Device clock minus real time (a device whose clock is off). */
  clockOffsetMs?: number;
}

const DEVICE_PATH = '/onvif/device_service';
const MEDIA_PATH = '/onvif/media_service';
const DEVICE_ACTIONS = new Set(['GetSystemDateAndTime', 'GetServices', 'GetCapabilities', 'GetDeviceInformation', 'GetScopes']);
const MEDIA_ACTIONS = new Set(['GetProfiles', 'GetVideoSources', 'GetStreamUri']);
export const WS_DISCOVERY_GROUP = '239.255.255.250';
export const WS_DISCOVERY_PORT = 3702;

export class OnvifSim {
  private server: Server | null = null;
  private udp: Socket | null = null;
  private readonly seenNonces = new Map<string, number>();
  private readonly uris = new Map<string, string>();
  readonly urn = `urn:uuid:${randomUUID()}`;
  port = 0;
  /** Every SOAP action received, in order, with whether it was authenticated. */
  readonly calls: { action: string; auth: 'none' | 'ok' | 'rejected' }[] = [];

  constructor(private readonly opts: OnvifSimOptions) {
    for (const p of opts.profiles) this.uris.set(p.token, p.streamUri);
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get deviceUrl(): string {
    return `http://${this.address}${DEVICE_PATH}`;
  }

  /** What GetStreamUri answers for a profile from now on (a camera that changed its URI). */
  setStreamUri(token: string, uri: string): void {
    this.uris.set(token, uri);
  }

  async start(port = 0): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  /** Answers WS-Discovery probes sent to the multicast group on the loopback interface. */
  async startDiscovery(): Promise<void> {
    const udp = createSocket({ type: 'udp4', reuseAddr: true });
    this.udp = udp;
    udp.on('message', (msg, rinfo) => {
      const text = msg.toString('utf8');
      if (!/<(?:\w+:)?Probe[\s>]/.test(text)) return;
      const types = tag(text, 'Types');
      if (types && !/NetworkVideoTransmitter/.test(types)) return;
      const reply = Buffer.from(this.probeMatches(tag(text, 'MessageID') ?? ''));
      udp.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(WS_DISCOVERY_PORT, () => {
        udp.addMembership(WS_DISCOVERY_GROUP, '127.0.0.1');
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    this.udp?.close();
    this.udp = null;
    const server = this.server;
    this.server = null;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private deviceNow(): Date {
    return new Date(Date.now() + (this.opts.clockOffsetMs ?? 0));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const action = /<(?:[\w-]+:)?Body[^>]*>\s*<(?:[\w-]+:)?(\w+)/.exec(body)?.[1] ?? '';
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || (path !== DEVICE_PATH && path !== MEDIA_PATH)) {
      res.writeHead(404).end();
      return;
    }
    const allowed = path === DEVICE_PATH ? DEVICE_ACTIONS : MEDIA_ACTIONS;
    if (!allowed.has(action)) {
      this.calls.push({ action, auth: 'none' });
      this.fault(res, 'env:Receiver', 'ter:ActionNotSupported', `${action || 'request'} is not supported by this service`);
      return;
    }
    // Core spec 5.9.4: GetSystemDateAndTime must work without credentials (clients need the
    // device clock to build the UsernameToken's Created value).
    if (action !== 'GetSystemDateAndTime') {
      const ok = this.authenticate(body);
      this.calls.push({ action, auth: ok ? 'ok' : 'rejected' });
      if (!ok) {
        this.fault(res, 'env:Sender', 'ter:NotAuthorized', 'Sender not Authorized');
        return;
      }
    } else {
      this.calls.push({ action, auth: 'none' });
    }
    const answer = this.respond(action, tag(body, 'ProfileToken'));
    if (answer === null) this.fault(res, 'env:Sender', 'ter:InvalidArgVal', 'The requested profile token ProfileToken does not exist');
    else this.reply(res, answer);
  }

  /** WS-UsernameToken check, PasswordDigest or PasswordText. */
  private authenticate(body: string): boolean {
    const user = tag(body, 'Username');
    const password = /<(?:\w+:)?Password([^>]*)>([^<]*)</.exec(body);
    if (user === null || password === null || user !== this.opts.username) return false;
    if (/#PasswordText"/.test(password[1]!)) return password[2] === this.opts.password;
    const nonce = tag(body, 'Nonce');
    const created = tag(body, 'Created');
    if (nonce === null || created === null) return false;
    const createdAt = Date.parse(created);
    if (!Number.isFinite(createdAt) || Math.abs(createdAt - this.deviceNow().getTime()) > 5 * 60_000) return false;
    // Replay protection: a nonce is good once within the freshness window.
    const now = Date.now();
    for (const [n, t] of this.seenNonces) if (now - t > 10 * 60_000) this.seenNonces.delete(n);
    if (this.seenNonces.has(nonce)) return false;
    const expected = createHash('sha1')
      .update(Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(created, 'utf8'), Buffer.from(this.opts.password, 'utf8')]))
      .digest('base64');
    if (expected !== password[2]) return false;
    this.seenNonces.set(nonce, now);
    return true;
  }

  private respond(action: string, profileToken: string | null): string | null {
    const base = `http://${this.address}`;
    switch (action) {
      case 'GetSystemDateAndTime': {
        const d = this.deviceNow();
        return `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone><tt:UTCDateTime><tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time><tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`;
      }
      case 'GetServices':
        return `<tds:GetServicesResponse>${service('http://www.onvif.org/ver10/device/wsdl', base + DEVICE_PATH)}${service('http://www.onvif.org/ver10/media/wsdl', base + MEDIA_PATH)}</tds:GetServicesResponse>`;
      case 'GetCapabilities':
        return `<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Device><tt:XAddr>${base}${DEVICE_PATH}</tt:XAddr></tt:Device><tt:Media><tt:XAddr>${base}${MEDIA_PATH}</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media></tds:Capabilities></tds:GetCapabilitiesResponse>`;
      case 'GetDeviceInformation':
        return `<tds:GetDeviceInformationResponse><tds:Manufacturer>alpr-edge</tds:Manufacturer><tds:Model>${xml(this.opts.hardware ?? 'SIM-1')}</tds:Model><tds:FirmwareVersion>1.0</tds:FirmwareVersion><tds:SerialNumber>0001</tds:SerialNumber><tds:HardwareId>${xml(this.opts.hardware ?? 'SIM-1')}</tds:HardwareId></tds:GetDeviceInformationResponse>`;
      case 'GetScopes':
        return `<tds:GetScopesResponse>${this.scopes()
          .map((s) => `<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>${xml(s)}</tt:ScopeItem></tds:Scopes>`)
          .join('')}</tds:GetScopesResponse>`;
      case 'GetProfiles':
        return `<trt:GetProfilesResponse>${this.opts.profiles.map((p) => profileXml(p)).join('')}</trt:GetProfilesResponse>`;
      case 'GetVideoSources': {
        const big = this.opts.profiles.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a), this.opts.profiles[0]!);
        return `<trt:GetVideoSourcesResponse><trt:VideoSources token="VideoSource_1"><tt:Framerate>${big.fps ?? 15}</tt:Framerate><tt:Resolution><tt:Width>${big.width}</tt:Width><tt:Height>${big.height}</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>`;
      }
      case 'GetStreamUri': {
        const uri = profileToken === null ? undefined : this.uris.get(profileToken);
        if (uri === undefined) return null;
        return `<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>${xml(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>true</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>`;
      }
      default:
        return null;
    }
  }

  private scopes(): string[] {
    return [
      'onvif://www.onvif.org/type/video_encoder',
      'onvif://www.onvif.org/Profile/Streaming',
      `onvif://www.onvif.org/name/${encodeURIComponent(this.opts.name ?? 'SimCam')}`,
      `onvif://www.onvif.org/hardware/${encodeURIComponent(this.opts.hardware ?? 'SIM-1')}`,
    ];
  }

  private probeMatches(relatesTo: string): string {
    return `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><SOAP-ENV:Header><wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID><wsa:RelatesTo>${xml(relatesTo)}</wsa:RelatesTo><wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To><wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action></SOAP-ENV:Header><SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch><wsa:EndpointReference><wsa:Address>${this.urn}</wsa:Address></wsa:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>${xml(this.scopes().join(' '))}</d:Scopes><d:XAddrs>${xml(this.deviceUrl)}</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
  }

  private reply(res: ServerResponse, body: string): void {
    const text = envelope(body);
    res.writeHead(200, { 'Content-Type': 'application/soap+xml; charset=utf-8', 'Content-Length': Buffer.byteLength(text) }).end(text);
  }

  /** SOAP 1.2 fault; ONVIF sends 400 for sender faults (Core spec 5.11.2). */
  private fault(res: ServerResponse, code: string, subcode: string, reason: string): void {
    const text = envelope(`<env:Fault><env:Code><env:Value>${code}</env:Value><env:Subcode><env:Value>${subcode}</env:Value></env:Subcode></env:Code><env:Reason><env:Text xml:lang="en">${xml(reason)}</env:Text></env:Reason></env:Fault>`);
    res.writeHead(code === 'env:Sender' ? 400 : 500, { 'Content-Type': 'application/soap+xml; charset=utf-8' }).end(text);
  }
}

function envelope(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:ter="http://www.onvif.org/ver10/error"><env:Body>${body}</env:Body></env:Envelope>`;
}

function service(ns: string, xaddr: string): string {
  return `<tds:Service><tds:Namespace>${ns}</tds:Namespace><tds:XAddr>${xaddr}</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>`;
}

function profileXml(p: SimProfile): string {
  return `<trt:Profiles token="${xml(p.token)}" fixed="true"><tt:Name>${xml(p.name)}</tt:Name><tt:VideoSourceConfiguration token="VSC_1"><tt:Name>VideoSourceConfig</tt:Name><tt:UseCount>${1}</tt:UseCount><tt:SourceToken>VideoSource_1</tt:SourceToken><tt:Bounds x="0" y="0" width="${p.width}" height="${p.height}"></tt:Bounds></tt:VideoSourceConfiguration><tt:VideoEncoderConfiguration token="VEC_${xml(p.token)}"><tt:Name>VideoEncoder_${xml(p.token)}</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>${p.encoding ?? 'H264'}</tt:Encoding><tt:Resolution><tt:Width>${p.width}</tt:Width><tt:Height>${p.height}</tt:Height></tt:Resolution><tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>${p.fps ?? 15}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>4096</tt:BitrateLimit></tt:RateControl></tt:VideoEncoderConfiguration></trt:Profiles>`;
}

/** Text content of the first element with this local name (any prefix). */
function tag(text: string, local: string): string | null {
  const m = new RegExp(`<(?:[\\w-]+:)?${local}(?:\\s[^>]*)?>([^<]*)</(?:[\\w-]+:)?${local}>`).exec(text);
  return m ? m[1]!.trim() : null;
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
