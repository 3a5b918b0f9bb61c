// Replying without leaving the post: move the comment form under the comment being answered.
// Without JavaScript each "Reply" link opens a page with its own form.
(function () {
  "use strict";
  var form = document.getElementById("comment-form");
  if (!form) return;
  var home = document.createComment("comment form");
  form.parentNode.insertBefore(home, form);
  var replyTo = form.querySelector("input[name=reply_to]");
  var notice = form.querySelector("[data-replying]");

  function reset(event) {
    if (event) event.preventDefault();
    home.parentNode.insertBefore(form, home.nextSibling);
    replyTo.value = "0";
    notice.hidden = true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-reply-to]");
    if (link) {
      event.preventDefault();
      link.closest(".comment__inner").appendChild(form);
      replyTo.value = link.getAttribute("data-reply-to");
      notice.hidden = false;
      form.querySelector("textarea").focus();
    } else if (event.target.closest("[data-cancel-reply]")) {
      reset(event);
    }
  });
})();
