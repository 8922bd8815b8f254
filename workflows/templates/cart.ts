import type { EmailTemplate } from '#language/template.ts';

const itemsHtml = `<ul>{% for item in trigger.items %}<li>{{ item.qty }} × {{ item.name }}: {{ item.price }} {{ trigger.currency }}</li>{% endfor %}</ul>`;
const itemsText = `{% for item in trigger.items %}- {{ item.qty }} x {{ item.name }}: {{ item.price }} {{ trigger.currency }}
{% endfor %}`;

export const cartReminderEmail: EmailTemplate = {
  id: 'cart-reminder',
  channel: 'email',
  content: {
    subject: '{{ contact.firstName | default: "Hi" }}, you left something in your cart',
    html: `<p>Your cart is waiting:</p>${itemsHtml}<p>Total: {{ trigger.value }} {{ trigger.currency }}</p>
<p><a href="{{ trigger.cartUrl | default: brand.website }}">Back to my cart</a></p>`,
    text: `Your cart is waiting:
${itemsText}Total: {{ trigger.value }} {{ trigger.currency }}
Back to my cart: {{ trigger.cartUrl | default: brand.website }}`,
  },
};

export const cartLastCallEmail: EmailTemplate = {
  id: 'cart-last-call',
  channel: 'email',
  content: {
    subject: 'Last call: your cart at {{ brand.name }}',
    html: `<p>We kept these for you, but not for long:</p>${itemsHtml}
<p><a href="{{ trigger.cartUrl | default: brand.website }}">Complete my order</a></p>`,
    text: `We kept these for you, but not for long:
${itemsText}Complete my order: {{ trigger.cartUrl | default: brand.website }}`,
  },
};
