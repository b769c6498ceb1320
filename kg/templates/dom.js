  // ---- DOM helpers shared by the network page and the report (kg.pages): data reaches the page only
  // as text (textContent, never innerHTML), and only http(s) URLs become links
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function link(text, url) {
    if (typeof url === "string" && /^https?:\/\//i.test(url)) {
      var a = el("a", text);
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      return a;
    }
    return el("span", text);
  }
