import type { EmailTemplate } from '#language/template.ts';

export const backInStockEmail: EmailTemplate = {
  id: 'back-in-stock',
  channel: 'email',
  content: {
    subject: '{{ trigger.name | default: trigger.sku }} is back in stock',
    html: `<p>Good news{% if contact.firstName %}, {{ contact.firstName }}{% endif %}: {{ trigger.name | default: trigger.sku }} is back.</p>
<p>Only {{ trigger.newQuantity }} available. <a href="{{ trigger.url | default: brand.website }}">Get yours</a></p>`,
    text: `Good news: {{ trigger.name | default: trigger.sku }} is back. Only {{ trigger.newQuantity }} available.
{{ trigger.url | default: brand.website }}`,
  },
};

export const priceDropEmail: EmailTemplate = {
  id: 'price-drop',
  channel: 'email',
  content: {
    subject:
      'Price drop: {{ trigger.name | default: trigger.sku }} now {{ trigger.newPrice }} {{ trigger.currency }}',
    html: `<p>{{ trigger.name | default: trigger.sku }} went from <s>{{ trigger.oldPrice }}</s> to <strong>{{ trigger.newPrice }} {{ trigger.currency }}</strong>.</p>
<p><a href="{{ trigger.url | default: brand.website }}">See it</a></p>`,
    text: `{{ trigger.name | default: trigger.sku }} went from {{ trigger.oldPrice }} to {{ trigger.newPrice }} {{ trigger.currency }}.
{{ trigger.url | default: brand.website }}`,
  },
};
