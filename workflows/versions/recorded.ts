// Generated from the files beside it by `cdk synth` and `relance journeys record`: do not edit.
import type { RecordedVersion } from '#language/versions.ts';
import abandoned_cart_1 from './abandoned-cart/22a14457db92.json' with { type: 'json' };
import account_revenue_drop_1 from './account-revenue-drop/d9619b70d8f7.json' with { type: 'json' };
import appointment_1 from './appointment/a24e4f369798.json' with { type: 'json' };
import back_in_stock_1 from './back-in-stock/a9f0fdb701a6.json' with { type: 'json' };
import birthday_1 from './birthday/fe07b4ce5a46.json' with { type: 'json' };
import double_opt_in_1 from './double-opt-in/d365b593b394.json' with { type: 'json' };
import lead_confirmation_1 from './lead-confirmation/137cb323eb72.json' with { type: 'json' };
import lead_sla_1 from './lead-sla/f81804c97b72.json' with { type: 'json' };
import price_drop_1 from './price-drop/53cb6b8d20a4.json' with { type: 'json' };
import vip_welcome_1 from './vip-welcome/64e840f3f276.json' with { type: 'json' };
import welcome_1 from './welcome/c5860ce41a17.json' with { type: 'json' };
import win_back_1 from './win-back/4a731056f784.json' with { type: 'json' };
import wishlist_nudge_1 from './wishlist-nudge/90eec007f457.json' with { type: 'json' };

/** Every recorded journey version, bundled with the functions that run journeys. */
export const recordedVersions: readonly RecordedVersion[] = [
  abandoned_cart_1,
  account_revenue_drop_1,
  appointment_1,
  back_in_stock_1,
  birthday_1,
  double_opt_in_1,
  lead_confirmation_1,
  lead_sla_1,
  price_drop_1,
  vip_welcome_1,
  welcome_1,
  win_back_1,
  wishlist_nudge_1,
] as unknown as readonly RecordedVersion[];
