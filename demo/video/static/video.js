// Demo video page: comments come only from the JSON API, loaded by fetch() as on the
// real platform's web app; paging by scrolling or the "加载更多" button, replies on demand.
(function () {
  "use strict";
  var root = document.getElementById("comments");
  var awemeId = root.dataset.awemeId;
  var status = document.getElementById("comment-status");
  var moreButton = document.getElementById("load-more");
  var PAGE = 20, REPLY_PAGE = 10;
  var cursor = Number(root.dataset.cursor || 0);
  var hasMore = root.dataset.hasMore !== "0";
  var loading = false;

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function renderComment(c, box) {
    var item = el("div", "comment");
    item.dataset.cid = c.cid;
    item.appendChild(el("span", "author", c.user ? c.user.nickname : "匿名"));
    item.appendChild(document.createTextNode("："));
    item.appendChild(el("span", "text", c.text));
    var when = new Date(c.create_time * 1000).toLocaleString("zh-CN");
    item.appendChild(el("div", "meta", (c.ip_label || "") + " · " + when + " · 赞 " + c.digg_count));
    if (c.reply_comment_total > 0) { addReplyLoader(item, c); }
    box.appendChild(item);
  }

  function addReplyLoader(item, c) {
    var replies = el("div", "replies");
    var button = el("button", "expand-replies", "展开" + c.reply_comment_total + "条回复");
    var replyCursor = 0;
    button.type = "button";
    button.addEventListener("click", function () {
      button.disabled = true;
      getJSON("/aweme/v1/web/comment/list/reply/?item_id=" + awemeId + "&comment_id=" + c.cid +
              "&cursor=" + replyCursor + "&count=" + REPLY_PAGE)
        .then(function (data) {
          (data.comments || []).forEach(function (r) { renderComment(r, replies); });
          replyCursor = data.cursor;
          button.textContent = "展开更多回复";
          button.hidden = !data.has_more;
        })
        .catch(function () { button.textContent = "加载失败，点击重试"; })
        .then(function () { button.disabled = false; });
    });
    item.appendChild(replies);
    item.appendChild(button);
  }

  function loadMore() {
    if (loading || !hasMore) { return; }
    loading = true;
    status.textContent = "加载中…";
    getJSON("/aweme/v1/web/comment/list/?aweme_id=" + awemeId + "&cursor=" + cursor + "&count=" + PAGE)
      .then(function (data) {
        (data.comments || []).forEach(function (c) { renderComment(c, root); });
        cursor = data.cursor;
        hasMore = !!data.has_more;
        document.getElementById("comment-total").textContent = data.total;
        status.textContent = hasMore ? "" : "暂时没有更多评论了";
      })
      .catch(function () { status.textContent = "加载失败，点击“加载更多”重试"; })
      .then(function () { loading = false; moreButton.hidden = !hasMore; });
  }

  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 200;
  }

  getJSON("/aweme/v1/web/aweme/detail/?aweme_id=" + awemeId).then(function (data) {
    if (data.aweme_detail) { document.getElementById("video-title").textContent = data.aweme_detail.desc; }
  }).catch(function () { /* the server-rendered title stays */ });

  window.addEventListener("scroll", function () { if (nearBottom()) { loadMore(); } });
  moreButton.addEventListener("click", loadMore);
  if (root.dataset.prerendered !== "1") { loadMore(); }
  moreButton.hidden = !hasMore;
})();
