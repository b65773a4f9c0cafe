#include "server/core/notify/mail_content.h"

#include "absl/strings/str_cat.h"

namespace bestand {
namespace {

std::string Escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

bool IsWebLink(const std::string& url) {
  return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
}

}  // namespace

std::string MailText(const MailContent& c) {
  std::string out;
  if (!c.greeting.empty()) absl::StrAppend(&out, c.greeting, "\n\n");
  for (const std::string& p : c.paragraphs) absl::StrAppend(&out, p, "\n\n");
  for (const MailSection& s : c.sections) {
    if (!s.heading.empty()) absl::StrAppend(&out, s.heading, ":\n");
    for (const std::string& line : s.lines) absl::StrAppend(&out, "- ", line, "\n");
    out += "\n";
  }
  if (!c.link.empty()) absl::StrAppend(&out, c.link, "\n\n");
  if (!c.footer.empty()) absl::StrAppend(&out, "-- \n", c.footer, "\n");
  return out;
}

std::string MailHtml(const MailContent& c, const std::string& lang) {
  std::string out =
      absl::StrCat("<!DOCTYPE html>\n<html lang=\"", Escape(lang),
                   "\"><head><meta charset=\"utf-8\"><title>", Escape(c.subject),
                   "</title></head>\n<body style=\"font-family:sans-serif;line-height:1.4\">\n");
  if (!c.greeting.empty()) absl::StrAppend(&out, "<p>", Escape(c.greeting), "</p>\n");
  for (const std::string& p : c.paragraphs) absl::StrAppend(&out, "<p>", Escape(p), "</p>\n");
  for (const MailSection& s : c.sections) {
    if (!s.heading.empty())
      absl::StrAppend(&out, "<h2 style=\"font-size:1.1em\">", Escape(s.heading), "</h2>\n");
    out += "<ul>\n";
    for (const std::string& line : s.lines) absl::StrAppend(&out, "<li>", Escape(line), "</li>\n");
    out += "</ul>\n";
  }
  if (!c.link.empty()) {
    if (IsWebLink(c.link)) {
      absl::StrAppend(&out, "<p><a href=\"", Escape(c.link), "\">", Escape(c.link), "</a></p>\n");
    } else {
      absl::StrAppend(&out, "<p>", Escape(c.link), "</p>\n");
    }
  }
  if (!c.footer.empty()) {
    absl::StrAppend(&out, "<hr><p style=\"color:#555;font-size:0.9em\">", Escape(c.footer),
                    "</p>\n");
  }
  out += "</body></html>\n";
  return out;
}

}  // namespace bestand
