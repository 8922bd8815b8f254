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
  locales: {
    fr: {
      subject: '{{ trigger.name | default: trigger.sku }} est de retour en stock',
      html: `<p>Bonne nouvelle{% if contact.firstName %}, {{ contact.firstName }}{% endif %} : {{ trigger.name | default: trigger.sku }} est de retour.</p>
<p>Plus que {{ trigger.newQuantity }} disponible(s). <a href="{{ trigger.url | default: brand.website }}">J'en profite</a></p>`,
      text: `Bonne nouvelle : {{ trigger.name | default: trigger.sku }} est de retour. Plus que {{ trigger.newQuantity }} disponible(s).
{{ trigger.url | default: brand.website }}`,
    },
  },
};

export const priceDropEmail: EmailTemplate = {
  id: 'price-drop',
  channel: 'email',
  content: {
    subject:
      'Price drop: {{ trigger.name | default: trigger.sku }} now {{ trigger.newPrice | money: trigger.currency }}',
    html: `<p>{{ trigger.name | default: trigger.sku }} went from <s>{{ trigger.oldPrice | money: trigger.currency }}</s> to <strong>{{ trigger.newPrice | money: trigger.currency }}</strong>.</p>
<p><a href="{{ trigger.url | default: brand.website }}">See it</a></p>`,
    text: `{{ trigger.name | default: trigger.sku }} went from {{ trigger.oldPrice | money: trigger.currency }} to {{ trigger.newPrice | money: trigger.currency }}.
{{ trigger.url | default: brand.website }}`,
  },
  locales: {
    fr: {
      subject:
        'Baisse de prix : {{ trigger.name | default: trigger.sku }} à {{ trigger.newPrice | money: trigger.currency }}',
      html: `<p>{{ trigger.name | default: trigger.sku }} passe de <s>{{ trigger.oldPrice | money: trigger.currency }}</s> à <strong>{{ trigger.newPrice | money: trigger.currency }}</strong>.</p>
<p><a href="{{ trigger.url | default: brand.website }}">Voir le produit</a></p>`,
      text: `{{ trigger.name | default: trigger.sku }} passe de {{ trigger.oldPrice | money: trigger.currency }} à {{ trigger.newPrice | money: trigger.currency }}.
{{ trigger.url | default: brand.website }}`,
    },
  },
};
