import type { EmailTemplate } from '#language/template.ts';

const itemsHtml = `<ul>{% for item in trigger.items %}<li>{{ item.qty }} × {{ item.name }}: {{ item.price | money: trigger.currency }}</li>{% endfor %}</ul>`;
const itemsText = `{% for item in trigger.items %}- {{ item.qty }} x {{ item.name }}: {{ item.price | money: trigger.currency }}
{% endfor %}`;
const itemsHtmlFr = `<ul>{% for item in trigger.items %}<li>{{ item.qty }} × {{ item.name }} : {{ item.price | money: trigger.currency }}</li>{% endfor %}</ul>`;
const itemsTextFr = `{% for item in trigger.items %}- {{ item.qty }} x {{ item.name }} : {{ item.price | money: trigger.currency }}
{% endfor %}`;

export const cartReminderEmail: EmailTemplate = {
  id: 'cart-reminder',
  channel: 'email',
  content: {
    subject: '{{ contact.firstName | default: "Hi" }}, you left something in your cart',
    html: `<p>Your cart is waiting:</p>${itemsHtml}<p>Total: {{ trigger.value | money: trigger.currency }}</p>
<p><a href="{{ trigger.cartUrl | default: brand.website }}">Back to my cart</a></p>`,
    text: `Your cart is waiting:
${itemsText}Total: {{ trigger.value | money: trigger.currency }}
Back to my cart: {{ trigger.cartUrl | default: brand.website }}`,
  },
  locales: {
    fr: {
      subject:
        '{{ contact.firstName | default: "Bonjour" }}, vous avez oublié quelque chose dans votre panier',
      html: `<p>Votre panier vous attend :</p>${itemsHtmlFr}<p>Total : {{ trigger.value | money: trigger.currency }}</p>
<p><a href="{{ trigger.cartUrl | default: brand.website }}">Retrouver mon panier</a></p>`,
      text: `Votre panier vous attend :
${itemsTextFr}Total : {{ trigger.value | money: trigger.currency }}
Retrouver mon panier : {{ trigger.cartUrl | default: brand.website }}`,
    },
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
  locales: {
    fr: {
      subject: 'Dernier rappel : votre panier chez {{ brand.name }}',
      html: `<p>Nous vous les avons gardés, mais plus pour longtemps :</p>${itemsHtmlFr}
<p><a href="{{ trigger.cartUrl | default: brand.website }}">Finaliser ma commande</a></p>`,
      text: `Nous vous les avons gardés, mais plus pour longtemps :
${itemsTextFr}Finaliser ma commande : {{ trigger.cartUrl | default: brand.website }}`,
    },
  },
};
