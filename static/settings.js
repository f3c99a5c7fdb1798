// The console's settings page: once a field is edited, the bar with the Save button says
// that the changes are not saved yet. The page works the same without this script (the
// server says so itself after a preview or a move); nothing here is needed to save.
(function () {
  'use strict';
  var form = document.querySelector('form.settings');
  var notice = document.getElementById('unsaved-notice');
  if (!form || !notice) {
    return;
  }
  function edited() {
    if (notice.textContent === '') {
      notice.textContent = notice.getAttribute('data-text');
    }
  }
  form.addEventListener('input', edited);
  form.addEventListener('change', edited);
})();
