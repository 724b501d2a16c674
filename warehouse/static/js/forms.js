// Every form of the app is sent once per tap: a second tap while the first answer is on its
// way (a double tap on a tablet, an impatient click on bad wifi) sends nothing more, so the
// person sees the answer to what they did rather than "this form had already been sent".
// The server records a replayed form once anyway (each carries a one-time key); after this
// long the button works again, for a form whose answer never came.
const RESEND_AFTER_MS = 8000;

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
  if (form.dataset.sending) {
    event.preventDefault();
    return;
  }
  form.dataset.sending = "1";
  form.classList.add("sending");
  window.setTimeout(() => {
    delete form.dataset.sending;
    form.classList.remove("sending");
  }, RESEND_AFTER_MS);
});
