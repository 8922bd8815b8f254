/**
 * Optional captcha check for the lead form. Cloudflare Turnstile, Google reCAPTCHA and hCaptcha share
 * one contract: POST `application/x-www-form-urlencoded` with `secret`, `response` (the token the
 * widget put in the form) and optionally `remoteip`, to the provider's verify URL; the JSON answer
 * has `success` and, when it fails, `error-codes`.
 *
 * The answers mean, for the handler:
 * - `missing`: no token was posted: a 400 (the page did not run the widget);
 * - `rejected`: the provider said no: a 400 (bot, expired or reused token). Its `errorCodes` are
 *   worth logging: `invalid-input-secret` means our configuration is wrong, not the visitor;
 * - `unavailable`: no usable answer in time (network error, timeout, non-2xx, not JSON): a 503, so the
 *   site retries rather than losing the lead or letting it through unchecked.
 *
 * The secret and the token are never logged nor returned, not even inside `detail`.
 */
import * as z from '#catalogue/zod.ts';

export interface CaptchaConfig {
  /** e.g. https://challenges.cloudflare.com/turnstile/v0/siteverify */
  readonly verifyUrl: string;
  readonly secret: string;
  /** @default 3000 */
  readonly timeoutMs?: number;
}

export type CaptchaResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'missing' }
  | { readonly ok: false; readonly reason: 'rejected'; readonly errorCodes: readonly string[] }
  | { readonly ok: false; readonly reason: 'unavailable'; readonly detail: string };

export const DEFAULT_CAPTCHA_TIMEOUT_MS = 3000;

const VerifyAnswer = z.object({
  success: z.boolean(),
  'error-codes': z._default(z.array(z.string()), []),
});

/** Asks the provider whether `token` is a good captcha answer. Never throws. */
export async function verifyCaptcha(
  config: CaptchaConfig,
  token: string | undefined,
  remoteIp: string | undefined,
  fetchImpl: typeof fetch = fetch,
): Promise<CaptchaResult> {
  if (token === undefined || token.trim() === '') return { ok: false, reason: 'missing' };
  const form = new URLSearchParams({ secret: config.secret, response: token });
  if (remoteIp) form.set('remoteip', remoteIp);
  const timeoutMs = config.timeoutMs ?? DEFAULT_CAPTCHA_TIMEOUT_MS;

  let body: unknown;
  try {
    // One signal for the whole exchange: a provider that sends headers and then stalls times out too.
    const response = await fetchImpl(config.verifyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return unavailable(`verify answered HTTP ${response.status}`);
    }
    body = await response.json();
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    if (timedOut) return unavailable(`no answer within ${timeoutMs} ms`);
    return unavailable(error instanceof SyntaxError ? 'verify answer is not JSON' : 'verify request failed');
  }

  const answer = VerifyAnswer.safeParse(body);
  if (!answer.success) return unavailable('verify answer has no success flag');
  if (!answer.data.success) return { ok: false, reason: 'rejected', errorCodes: answer.data['error-codes'] };
  return { ok: true };
}

function unavailable(detail: string): CaptchaResult {
  return { ok: false, reason: 'unavailable', detail };
}
