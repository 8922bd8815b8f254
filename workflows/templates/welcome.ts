import type { EmailTemplate, SmsTemplate } from '#language/template.ts';

export const welcomeEmail: EmailTemplate = {
  id: 'welcome',
  channel: 'email',
  content: {
    subject: 'Welcome to {{ brand.name }}, {{ contact.firstName | default: "friend" }}!',
    html: `<h1>Welcome, {{ contact.firstName | default: "friend" }}!</h1>
<p>Thanks for joining {{ brand.name }}. Here is what happens next: new arrivals first, member prices, and no spam.</p>
<p><a href="{{ brand.website }}">Start shopping</a></p>`,
    text: `Welcome, {{ contact.firstName | default: "friend" }}!

Thanks for joining {{ brand.name }}. New arrivals first, member prices, and no spam.
Start shopping: {{ brand.website }}`,
  },
  locales: {
    fr: {
      subject: 'Bienvenue chez {{ brand.name }}, {{ contact.firstName | default: "à vous" }} !',
      html: `<h1>Bienvenue, {{ contact.firstName | default: "à vous" }} !</h1>
<p>Merci de nous avoir rejoints. Nouveautés en avant-première et prix membres.</p>
<p><a href="{{ brand.website }}">Découvrir la boutique</a></p>`,
      text: `Bienvenue, {{ contact.firstName | default: "à vous" }} !

Merci de nous avoir rejoints. Découvrir la boutique : {{ brand.website }}`,
    },
  },
};

export const welcomeTipsEmail: EmailTemplate = {
  id: 'welcome-tips',
  channel: 'email',
  content: {
    subject: '3 things members love about {{ brand.name }}',
    html: `<p>Hi {{ contact.firstName | default: "there" }},</p>
<ol><li>Free returns for 30 days.</li><li>Back-in-stock alerts on any product.</li><li>Member-only prices every Friday.</li></ol>`,
    text: `Hi {{ contact.firstName | default: "there" }},

1. Free returns for 30 days.
2. Back-in-stock alerts on any product.
3. Member-only prices every Friday.`,
  },
  locales: {
    fr: {
      subject: '3 choses que nos membres adorent chez {{ brand.name }}',
      html: `<p>Bonjour{% if contact.firstName %} {{ contact.firstName }}{% endif %},</p>
<ol><li>Retours gratuits pendant 30 jours.</li><li>Alertes de retour en stock sur tous les produits.</li><li>Prix membres chaque vendredi.</li></ol>`,
      text: `Bonjour{% if contact.firstName %} {{ contact.firstName }}{% endif %},

1. Retours gratuits pendant 30 jours.
2. Alertes de retour en stock sur tous les produits.
3. Prix membres chaque vendredi.`,
    },
  },
};

export const welcomeSmsOffer: SmsTemplate = {
  id: 'welcome-sms-offer',
  channel: 'sms',
  maxParts: 1,
  content: {
    text: '{{ brand.name }}: 10% off your first order with code HELLO10, this week only. Reply STOP to opt out.',
  },
  locales: {
    fr: {
      text: '{{ brand.name }} : -10% sur votre 1re commande avec le code HELLO10, cette semaine seulement. STOP pour ne plus recevoir.',
    },
  },
};
