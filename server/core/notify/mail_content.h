// What a notification says, built once and written out twice: as plain text and as HTML (every
// text escaped), the two parts of one multipart/alternative mail.
#pragma once

#include <string>
#include <vector>

namespace bestand {

struct MailSection {
  std::string heading;             // may be empty
  std::vector<std::string> lines;  // a list when there is more than one or a heading
};

struct MailContent {
  std::string subject;
  std::string greeting;
  std::vector<std::string> paragraphs;
  std::vector<MailSection> sections;
  std::string link;    // a URL shown at the end, may be empty
  std::string footer;  // why the recipient gets this
};

std::string MailText(const MailContent& c);
std::string MailHtml(const MailContent& c, const std::string& lang);

}  // namespace bestand
