import type { EmailTemplate, SmsTemplate } from '#language/template.ts';

export const leadReceivedEmail: EmailTemplate = {
  id: 'lead-received',
  channel: 'email',
  content: {
    subject: 'We got your request, {{ contact.firstName | default: "thank you" }}',
    html: `<p>Hi {{ contact.firstName | default: "there" }},</p>
<p>Thank you for contacting {{ brand.name }}{% if trigger.productInterest %} about {{ trigger.productInterest }}{% endif %}. A member of our sales team has your request and will get back to you shortly, usually within the hour on working days.</p>
<p>Your reference: {{ trigger.leadId }}</p>`,
    text: `Hi {{ contact.firstName | default: "there" }},

Thank you for contacting {{ brand.name }}{% if trigger.productInterest %} about {{ trigger.productInterest }}{% endif %}. A member of our sales team has your request and will get back to you shortly, usually within the hour on working days.

Your reference: {{ trigger.leadId }}`,
  },
  locales: {
    fr: {
      subject: 'Nous avons bien reçu votre demande',
      html: `<p>Bonjour {{ contact.firstName | default: "" }},</p>
<p>Merci d'avoir contacté {{ brand.name }}. Un membre de notre équipe commerciale a votre demande et vous recontacte très vite, en général dans l'heure les jours ouvrés.</p>
<p>Votre référence : {{ trigger.leadId }}</p>`,
      text: `Bonjour {{ contact.firstName | default: "" }},

Merci d'avoir contacté {{ brand.name }}. Un membre de notre équipe commerciale a votre demande et vous recontacte très vite, en général dans l'heure les jours ouvrés.

Votre référence : {{ trigger.leadId }}`,
    },
  },
};

export const leadReceivedSms: SmsTemplate = {
  id: 'lead-received-sms',
  channel: 'sms',
  maxParts: 2,
  content: {
    text: '{{ brand.name }}: thanks for your request (ref {{ trigger.leadId }}). Our sales team will call you back shortly.',
  },
  locales: {
    fr: {
      text: '{{ brand.name }} : merci pour votre demande (réf {{ trigger.leadId }}). Notre équipe vous rappelle très vite.',
    },
  },
};

export const appointmentConfirmationEmail: EmailTemplate = {
  id: 'appointment-confirmation',
  channel: 'email',
  calendarInvite: true,
  content: {
    subject: 'Your appointment: {{ trigger.startsAt | local_time: trigger.timezone, contact.timezone }}',
    html: `<p>Hi {{ contact.firstName | default: "there" }},</p>
<p>Your appointment{% if trigger.title %} ({{ trigger.title }}){% endif %} is booked for <strong>{{ trigger.startsAt | local_time: trigger.timezone, contact.timezone }}</strong>, for {{ trigger.durationMinutes }} minutes.</p>
<p>Where: {{ trigger.location }}</p>
<p>The invitation is attached: open it to add the appointment to your calendar.</p>`,
    text: `Hi {{ contact.firstName | default: "there" }},

Your appointment{% if trigger.title %} ({{ trigger.title }}){% endif %} is booked for {{ trigger.startsAt | local_time: trigger.timezone, contact.timezone }}, for {{ trigger.durationMinutes }} minutes.
Where: {{ trigger.location }}

The invitation is attached: open it to add the appointment to your calendar.`,
  },
};

export const appointmentConfirmationSms: SmsTemplate = {
  id: 'appointment-confirmation-sms',
  channel: 'sms',
  maxParts: 3,
  content: {
    text: '{{ brand.name }}: your appointment is booked for {{ trigger.startsAt | local_time: trigger.timezone, contact.timezone }}. Details sent by e-mail.',
  },
};

export const appointmentReminderSms: SmsTemplate = {
  id: 'appointment-reminder-sms',
  channel: 'sms',
  maxParts: 3,
  content: {
    text: '{{ brand.name }}: reminder, your appointment is {{ trigger.startsAt | local_time: trigger.timezone, contact.timezone }}, {{ trigger.location }}.',
  },
};
