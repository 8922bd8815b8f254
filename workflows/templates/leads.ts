import type { EmailTemplate, SmsTemplate, VoiceTemplate } from '#language/template.ts';

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
      html: `<p>Bonjour{% if contact.firstName %} {{ contact.firstName }}{% endif %},</p>
<p>Merci d'avoir contacté {{ brand.name }}{% if trigger.productInterest %} au sujet de {{ trigger.productInterest }}{% endif %}. Un membre de notre équipe commerciale a votre demande et vous recontacte très vite, en général dans l'heure les jours ouvrés.</p>
<p>Votre référence : {{ trigger.leadId }}</p>`,
      text: `Bonjour{% if contact.firstName %} {{ contact.firstName }}{% endif %},

Merci d'avoir contacté {{ brand.name }}{% if trigger.productInterest %} au sujet de {{ trigger.productInterest }}{% endif %}. Un membre de notre équipe commerciale a votre demande et vous recontacte très vite, en général dans l'heure les jours ouvrés.

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
    subject: 'Your appointment: {{ trigger.startsAt | local_time }}',
    html: `<p>Hi {{ contact.firstName | default: "there" }},</p>
<p>Your appointment{% if trigger.title %} ({{ trigger.title }}){% endif %} is booked for <strong>{{ trigger.startsAt | local_time }}</strong>, for {{ trigger.durationMinutes }} minutes.</p>
<p>Where: {{ trigger.location }}</p>
<p>The invitation is attached: open it to add the appointment to your calendar.</p>`,
    text: `Hi {{ contact.firstName | default: "there" }},

Your appointment{% if trigger.title %} ({{ trigger.title }}){% endif %} is booked for {{ trigger.startsAt | local_time }}, for {{ trigger.durationMinutes }} minutes.
Where: {{ trigger.location }}

The invitation is attached: open it to add the appointment to your calendar.`,
  },
  locales: {
    fr: {
      subject: 'Votre rendez-vous : {{ trigger.startsAt | local_time }}',
      html: `<p>Bonjour{% if contact.firstName %} {{ contact.firstName }}{% endif %},</p>
<p>Votre rendez-vous{% if trigger.title %} ({{ trigger.title }}){% endif %} est prévu le <strong>{{ trigger.startsAt | local_time }}</strong>, pour {{ trigger.durationMinutes }} minutes.</p>
<p>Lieu : {{ trigger.location }}</p>
<p>L'invitation est jointe : ouvrez-la pour ajouter le rendez-vous à votre agenda.</p>`,
      text: `Bonjour{% if contact.firstName %} {{ contact.firstName }}{% endif %},

Votre rendez-vous{% if trigger.title %} ({{ trigger.title }}){% endif %} est prévu le {{ trigger.startsAt | local_time }}, pour {{ trigger.durationMinutes }} minutes.
Lieu : {{ trigger.location }}

L'invitation est jointe : ouvrez-la pour ajouter le rendez-vous à votre agenda.`,
    },
  },
};

export const appointmentConfirmationSms: SmsTemplate = {
  id: 'appointment-confirmation-sms',
  channel: 'sms',
  maxParts: 3,
  content: {
    text: '{{ brand.name }}: your appointment is booked for {{ trigger.startsAt | local_time }}. Details sent by e-mail.',
  },
  locales: {
    fr: {
      text: '{{ brand.name }} : votre rendez-vous est prévu le {{ trigger.startsAt | local_time }}. Détails envoyés par e-mail.',
    },
  },
};

/**
 * The confirmation call: Amazon Polly reads it in the contact's language. SSML, so the time is
 * said slowly and the details repeated after a pause; values inserted into it are escaped.
 */
export const appointmentConfirmationCall: VoiceTemplate = {
  id: 'appointment-confirmation-call',
  channel: 'voice',
  content: {
    voice: 'JOANNA',
    ssml: `<speak>Hello{% if contact.firstName %} {{ contact.firstName }}{% endif %}, this is {{ brand.name }}.
<break time="400ms"/>Your appointment is confirmed for <prosody rate="90%">{{ trigger.startsAt | local_time }}</prosody>, at {{ trigger.location }}.
<break time="600ms"/>Again: {{ trigger.startsAt | local_time }}. The details are in your e-mail. Goodbye.</speak>`,
  },
  locales: {
    fr: {
      voice: 'LEA',
      ssml: `<speak>Bonjour{% if contact.firstName %} {{ contact.firstName }}{% endif %}, ici {{ brand.name }}.
<break time="400ms"/>Votre rendez-vous est confirmé le <prosody rate="90%">{{ trigger.startsAt | local_time }}</prosody>, à l'adresse : {{ trigger.location }}.
<break time="600ms"/>Je répète : {{ trigger.startsAt | local_time }}. Les détails sont dans votre e-mail. Au revoir.</speak>`,
    },
  },
};

export const appointmentReminderSms: SmsTemplate = {
  id: 'appointment-reminder-sms',
  channel: 'sms',
  maxParts: 3,
  content: {
    text: '{{ brand.name }}: reminder, your appointment is {{ trigger.startsAt | local_time }}, {{ trigger.location }}.',
  },
  locales: {
    fr: {
      text: '{{ brand.name }} : rappel, votre rendez-vous est le {{ trigger.startsAt | local_time }}, {{ trigger.location }}.',
    },
  },
};
