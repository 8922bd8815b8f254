/**
 * The local endpoint's control routes (`/_relance/...` that change something, such as
 * `POST /_relance/sms/inbound`) take calls from this machine's own tools and page only. A web page
 * on any other site can make the browser post to 127.0.0.1 (a "simple" cross-site request needs no
 * preflight: `text/plain`, no credential), so a change is refused unless:
 * - the browser does not call it cross-site: `Sec-Fetch-Site`, when sent, is `same-origin` or
 *   `none`, and `Origin`, when sent, is this endpoint's own (`http://127.0.0.1:<port>` or
 *   `http://localhost:<port>`);
 * - the body is declared `application/json`, which a cross-site page cannot send without a CORS
 *   preflight, and the endpoint answers no preflight.
 * curl and scripts send neither header, and set the content type themselves.
 */
import type { AwsRequest, AwsResponse } from '../aws/protocol.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD']);
const SAME_SITE_FETCHES = new Set(['same-origin', 'none']);

/** The refusal of a cross-site or non-JSON call to a control route; undefined lets it through. */
export function controlRouteRefusal(req: AwsRequest, endpoint: string): AwsResponse | undefined {
  if (SAFE_METHODS.has(req.method)) return undefined;
  const fetchSite = req.headers['sec-fetch-site']?.toLowerCase();
  const origin = req.headers.origin;
  if (
    (fetchSite !== undefined && !SAME_SITE_FETCHES.has(fetchSite)) ||
    (origin !== undefined && !ownOrigin(origin, endpoint))
  ) {
    return refusal(403, 'origin', 'control routes take calls from this machine only, not from another site');
  }
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    return refusal(415, 'content-type', 'must be application/json');
  }
  return undefined;
}

function ownOrigin(origin: string, endpoint: string): boolean {
  const { port } = new URL(endpoint);
  return [endpoint, `http://localhost:${port}`].includes(origin.toLowerCase());
}

function refusal(status: number, field: string, message: string): AwsResponse {
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ errors: [{ field, message }] }),
  };
}
