import type { EmailTemplate } from '#language/template.ts';

export const confirmSubscriptionEmail: EmailTemplate = {
  id: 'confirm-subscription',
  channel: 'email',
  content: {
    subject: 'Please confirm your subscription to {{ brand.name }}',
    html: `<p>Hi {{ contact.firstName | default: "there" }},</p>
<p>Someone, hopefully you, asked to receive {{ trigger.topic | default: "e-mails" }} from {{ brand.name }}.</p>
<p><a href="{{ links.confirm }}">Yes, subscribe me</a></p>
<p>If it was not you, ignore this message: nothing will be sent without your confirmation.</p>`,
    text: `Hi {{ contact.firstName | default: "there" }},

Someone, hopefully you, asked to receive {{ trigger.topic | default: "e-mails" }} from {{ brand.name }}.
Confirm: {{ links.confirm }}

If it was not you, ignore this message: nothing will be sent without your confirmation.`,
  },
  locales: {
    fr: {
      subject: 'Confirmez votre inscription à {{ brand.name }}',
      html: `<p>Bonjour{% if contact.firstName %} {{ contact.firstName }}{% endif %},</p>
<p>Quelqu'un, sans doute vous, a demandé à recevoir des e-mails de {{ brand.name }}.</p>
<p><a href="{{ links.confirm }}">Oui, je m'inscris</a></p>
<p>Si ce n'était pas vous, ignorez ce message : rien ne sera envoyé sans votre confirmation.</p>`,
      text: `Bonjour{% if contact.firstName %} {{ contact.firstName }}{% endif %},

Quelqu'un, sans doute vous, a demandé à recevoir des e-mails de {{ brand.name }}.
Confirmer : {{ links.confirm }}

Si ce n'était pas vous, ignorez ce message : rien ne sera envoyé sans votre confirmation.`,
    },
  },
};
