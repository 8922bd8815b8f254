import type { EmailTemplate } from '#language/template.ts';

export const winBackOfferEmail: EmailTemplate = {
  id: 'win-back-offer',
  channel: 'email',
  content: {
    subject: 'We miss you, {{ contact.firstName | default: "friend" }}: 15% off your next order',
    html: `<p>Hi {{ contact.firstName | default: "there" }},</p>
<p>It has been a while since your last order at {{ brand.name }}. Here is 15% off your next one with the code <strong>COMEBACK15</strong>, valid for 14 days.</p>
<p><a href="{{ brand.website }}">See what is new</a></p>`,
    text: `Hi {{ contact.firstName | default: "there" }},

It has been a while since your last order at {{ brand.name }}. Here is 15% off your next one with the code COMEBACK15, valid for 14 days.
See what is new: {{ brand.website }}`,
  },
  locales: {
    fr: {
      subject: 'Vous nous manquez : -15 % sur votre prochaine commande',
      html: `<p>Bonjour{% if contact.firstName %} {{ contact.firstName }}{% endif %},</p>
<p>Votre dernière commande chez {{ brand.name }} date un peu. Voici 15 % de remise avec le code <strong>COMEBACK15</strong>, valable 14 jours.</p>
<p><a href="{{ brand.website }}">Voir les nouveautés</a></p>`,
      text: `Bonjour{% if contact.firstName %} {{ contact.firstName }}{% endif %},

Votre dernière commande chez {{ brand.name }} date un peu. Voici 15 % de remise avec le code COMEBACK15, valable 14 jours.
Voir les nouveautés : {{ brand.website }}`,
    },
  },
};

export const winBackLastChanceEmail: EmailTemplate = {
  id: 'win-back-last-chance',
  channel: 'email',
  content: {
    subject: 'Last days for your 15% off',
    html: `<p>Hi {{ contact.firstName | default: "there" }},</p>
<p>Your code <strong>COMEBACK15</strong> expires soon. We would love to see you back at {{ brand.name }}.</p>`,
    text: `Hi {{ contact.firstName | default: "there" }},

Your code COMEBACK15 expires soon. We would love to see you back at {{ brand.name }}.`,
  },
  locales: {
    fr: {
      subject: 'Derniers jours pour vos 15 % de remise',
      html: `<p>Bonjour{% if contact.firstName %} {{ contact.firstName }}{% endif %},</p>
<p>Votre code <strong>COMEBACK15</strong> expire bientôt. Nous serions ravis de vous revoir chez {{ brand.name }}.</p>`,
      text: `Bonjour{% if contact.firstName %} {{ contact.firstName }}{% endif %},

Votre code COMEBACK15 expire bientôt. Nous serions ravis de vous revoir chez {{ brand.name }}.`,
    },
  },
};

export const birthdayEmail: EmailTemplate = {
  id: 'birthday-greeting',
  channel: 'email',
  content: {
    subject: 'Happy birthday, {{ contact.firstName | default: "friend" }}!',
    html: `<p>Happy birthday, {{ contact.firstName | default: "friend" }}!</p>
<p>To celebrate, here is a gift from {{ brand.name }}: 20% off with the code <strong>BDAY-{{ contact.contactId | slice: 0, 6 | upcase }}</strong>, for a month.</p>`,
    text: `Happy birthday, {{ contact.firstName | default: "friend" }}!

To celebrate, here is a gift from {{ brand.name }}: 20% off with the code BDAY-{{ contact.contactId | slice: 0, 6 | upcase }}, for a month.`,
  },
  locales: {
    fr: {
      subject: 'Joyeux anniversaire{% if contact.firstName %}, {{ contact.firstName }}{% endif %} !',
      html: `<p>Joyeux anniversaire{% if contact.firstName %}, {{ contact.firstName }}{% endif %} !</p>
<p>Pour fêter ça, {{ brand.name }} vous offre 20 % de remise avec le code <strong>BDAY-{{ contact.contactId | slice: 0, 6 | upcase }}</strong>, valable un mois.</p>`,
      text: `Joyeux anniversaire{% if contact.firstName %}, {{ contact.firstName }}{% endif %} !

Pour fêter ça, {{ brand.name }} vous offre 20 % de remise avec le code BDAY-{{ contact.contactId | slice: 0, 6 | upcase }}, valable un mois.`,
    },
  },
};

export const wishlistOfferEmail: EmailTemplate = {
  id: 'wishlist-offer',
  channel: 'email',
  content: {
    subject: '{{ trigger.name | default: "The product you saved" }}: an exclusive offer',
    html: `<p>Hi {{ contact.firstName | default: "there" }},</p>
<p>You saved <strong>{{ trigger.name | default: trigger.sku }}</strong> a few days ago. Here is 10% off it, just for you, with the code <strong>SAVED10</strong>.</p>`,
    text: `Hi {{ contact.firstName | default: "there" }},

You saved {{ trigger.name | default: trigger.sku }} a few days ago. Here is 10% off it, just for you, with the code SAVED10.`,
  },
  locales: {
    fr: {
      subject:
        '{{ trigger.name | default: "Le produit que vous avez sauvegardé" }} : une offre rien que pour vous',
      html: `<p>Bonjour{% if contact.firstName %} {{ contact.firstName }}{% endif %},</p>
<p>Vous avez sauvegardé <strong>{{ trigger.name | default: trigger.sku }}</strong> il y a quelques jours. Voici 10 % de remise, rien que pour vous, avec le code <strong>SAVED10</strong>.</p>`,
      text: `Bonjour{% if contact.firstName %} {{ contact.firstName }}{% endif %},

Vous avez sauvegardé {{ trigger.name | default: trigger.sku }} il y a quelques jours. Voici 10 % de remise, rien que pour vous, avec le code SAVED10.`,
    },
  },
};

export const vipThanksEmail: EmailTemplate = {
  id: 'vip-thanks',
  channel: 'email',
  content: {
    subject: 'Thank you, {{ contact.firstName | default: "friend" }}: you are one of our best customers',
    html: `<p>Hi {{ contact.firstName | default: "there" }},</p>
<p>Your orders put you among the best customers of {{ brand.name }}. Thank you! From now on you get early access to new arrivals and free express shipping.</p>`,
    text: `Hi {{ contact.firstName | default: "there" }},

Your orders put you among the best customers of {{ brand.name }}. Thank you! From now on you get early access to new arrivals and free express shipping.`,
  },
  locales: {
    fr: {
      subject:
        'Merci{% if contact.firstName %} {{ contact.firstName }}{% endif %} : vous faites partie de nos meilleurs clients',
      html: `<p>Bonjour{% if contact.firstName %} {{ contact.firstName }}{% endif %},</p>
<p>Vos commandes vous placent parmi les meilleurs clients de {{ brand.name }}. Merci ! Vous avez désormais accès en avant-première aux nouveautés et à la livraison express offerte.</p>`,
      text: `Bonjour{% if contact.firstName %} {{ contact.firstName }}{% endif %},

Vos commandes vous placent parmi les meilleurs clients de {{ brand.name }}. Merci ! Vous avez désormais accès en avant-première aux nouveautés et à la livraison express offerte.`,
    },
  },
};

export const vipOwnerNotice: EmailTemplate = {
  id: 'vip-owner-notice',
  channel: 'email',
  content: {
    subject:
      'VIP: {{ contact.firstName | default: "" }} {{ contact.lastName | default: "" }} joined the top customers',
    html: `<p>Hi {{ owner.firstName }},</p>
<p>{{ contact.firstName | default: "A contact" }} {{ contact.lastName | default: "" }} ({{ contact.company | default: "no company" }}) just entered the VIP segment: {{ contact.stats.orderCount }} orders, {{ contact.stats.totalSpent | money }} spent. A personal word goes a long way.</p>`,
    text: `Hi {{ owner.firstName }},

{{ contact.firstName | default: "A contact" }} {{ contact.lastName | default: "" }} ({{ contact.company | default: "no company" }}) just entered the VIP segment: {{ contact.stats.orderCount }} orders, {{ contact.stats.totalSpent | money }} spent. A personal word goes a long way.`,
  },
  locales: {
    fr: {
      subject:
        'VIP : {{ contact.firstName | default: "" }} {{ contact.lastName | default: "" }} rejoint les meilleurs clients',
      html: `<p>Bonjour {{ owner.firstName }},</p>
<p>{{ contact.firstName | default: "Un contact" }} {{ contact.lastName | default: "" }} ({{ contact.company | default: "sans société" }}) vient d'entrer dans le segment VIP : {{ contact.stats.orderCount }} commandes, {{ contact.stats.totalSpent | money }} dépensés. Un mot personnel fait toujours plaisir.</p>`,
      text: `Bonjour {{ owner.firstName }},

{{ contact.firstName | default: "Un contact" }} {{ contact.lastName | default: "" }} ({{ contact.company | default: "sans société" }}) vient d'entrer dans le segment VIP : {{ contact.stats.orderCount }} commandes, {{ contact.stats.totalSpent | money }} dépensés. Un mot personnel fait toujours plaisir.`,
    },
  },
};

export const revenueDropOwnerNotice: EmailTemplate = {
  id: 'revenue-drop-owner-notice',
  channel: 'email',
  content: {
    subject: 'Account alert: {{ contact.company | default: contact.email }} is ordering less',
    html: `<p>Hi {{ owner.firstName }},</p>
<p>Orders from {{ contact.company | default: contact.email }} over the last 90 days fell by 30% or more against the 90 days before. It may be worth a call.</p>`,
    text: `Hi {{ owner.firstName }},

Orders from {{ contact.company | default: contact.email }} over the last 90 days fell by 30% or more against the 90 days before. It may be worth a call.`,
  },
  locales: {
    fr: {
      subject: 'Alerte compte : {{ contact.company | default: contact.email }} commande moins',
      html: `<p>Bonjour {{ owner.firstName }},</p>
<p>Les commandes de {{ contact.company | default: contact.email }} sur les 90 derniers jours ont baissé d'au moins 30 % par rapport aux 90 jours précédents. Un appel pourrait être utile.</p>`,
      text: `Bonjour {{ owner.firstName }},

Les commandes de {{ contact.company | default: contact.email }} sur les 90 derniers jours ont baissé d'au moins 30 % par rapport aux 90 jours précédents. Un appel pourrait être utile.`,
    },
  },
};
