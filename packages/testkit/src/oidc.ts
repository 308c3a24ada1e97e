/**
 * A local OpenID Connect provider for tests (Node): `oidc-provider` on 127.0.0.1 with one
 * confidential client and made-up people with groups, using the package's development login
 * form (any password; the login name picks the person). Plus an HTTP-only walk through that
 * form, for API tests that have no browser.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** A person at the test IdP. */
export interface IdpPerson {
  email: string;
  groups: string[];
  emailVerified?: boolean;
}

export interface LocalIdp {
  /** `http://127.0.0.1:<port>`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /**
   * Walks an authorization URL through the login and consent forms as `login` and returns the
   * URL the IdP sends the browser back to (the client's redirect URI with code and state).
   */
  signInHttp(authorizationUrl: string, login: string): Promise<URL>;
  stop(): Promise<void>;
}

/** Starts the IdP; `redirectUris` are the client's registered redirect URIs. */
export async function startLocalIdp(options: {
  people: Record<string, IdpPerson>;
  redirectUris: string[];
  clientId?: string;
  clientSecret?: string;
}): Promise<LocalIdp> {
  const clientId = options.clientId ?? 'embolus-test';
  const clientSecret = options.clientSecret ?? 'embolus-test-secret-0123456789';
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], groups: ['groups'] },
    // Claims of the requested scopes go into the ID token, as Keycloak and Entra do for groups.
    conformIdTokenClaims: false,
    cookies: { keys: ['embolus-test-cookie-key-0123456789'] },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx: unknown, id: string) {
      const person = options.people[id];
      if (!person) return undefined;
      return {
        accountId: id,
        claims: async () => ({ sub: id, email: person.email, email_verified: person.emailVerified ?? true, groups: person.groups }),
      };
    },
  } as ConstructorParameters<typeof Provider>[1]);
  server.on('request', provider.callback());

  async function signInHttp(authorizationUrl: string, login: string): Promise<URL> {
    const jar = new Map<string, string>();
    const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const remember = (res: Response) => {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = (pair ?? '').indexOf('=');
        if (i > 0) jar.set(pair!.slice(0, i), pair!.slice(i + 1));
      }
    };
    let url = new URL(authorizationUrl);
    let form: URLSearchParams | null = null;
    for (let step = 0; step < 12; step++) {
      if (url.origin !== issuer) return url;
      const res = await fetch(url, {
        method: form ? 'POST' : 'GET',
        redirect: 'manual',
        headers: { cookie: cookieHeader(), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        ...(form ? { body: form.toString() } : {}),
      });
      remember(res);
      form = null;
      const location = res.headers.get('location');
      if (location) {
        url = new URL(location, url);
        continue;
      }
      const html = await res.text();
      if (res.status !== 200) throw new Error(`the test IdP answered ${res.status} at ${url.pathname}: ${html.slice(0, 300)}`);
      // The development forms post back to the same interaction URL.
      form = html.includes('name="prompt" value="login"')
        ? new URLSearchParams({ prompt: 'login', login, password: 'any password' })
        : new URLSearchParams({ prompt: 'consent' });
    }
    throw new Error('the test IdP did not redirect back within 12 steps');
  }

  return {
    issuer,
    clientId,
    clientSecret,
    signInHttp,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
