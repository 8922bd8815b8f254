// Generated from the files beside it by `cdk synth` and `relance journeys record`: do not edit.
import type { RecordedVersion } from '#language/versions.ts';
import abandoned_cart_1 from './abandoned-cart/e1e6e90e979c.json' with { type: 'json' };
import account_revenue_drop_1 from './account-revenue-drop/6ecd27a331f7.json' with { type: 'json' };
import appointment_1 from './appointment/5a77809be620.json' with { type: 'json' };
import appointment_2 from './appointment/eabfba251be0.json' with { type: 'json' };
import back_in_stock_1 from './back-in-stock/4a565b7ea6e7.json' with { type: 'json' };
import birthday_1 from './birthday/530ebc3ca8ba.json' with { type: 'json' };
import double_opt_in_1 from './double-opt-in/108a33721598.json' with { type: 'json' };
import lead_confirmation_1 from './lead-confirmation/997eb700f30e.json' with { type: 'json' };
import lead_sla_1 from './lead-sla/f81804c97b72.json' with { type: 'json' };
import price_drop_1 from './price-drop/adf73b1f4f9c.json' with { type: 'json' };
import vip_welcome_1 from './vip-welcome/c0ec71f5f149.json' with { type: 'json' };
import welcome_1 from './welcome/481c463f23bb.json' with { type: 'json' };
import win_back_1 from './win-back/9151b855b4a4.json' with { type: 'json' };
import wishlist_nudge_1 from './wishlist-nudge/ff2bf0388ad0.json' with { type: 'json' };

/** Every recorded journey version, bundled with the functions that run journeys. */
export const recordedVersions: readonly RecordedVersion[] = [
  abandoned_cart_1,
  account_revenue_drop_1,
  appointment_1,
  appointment_2,
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
