// A task's title in the reader's language, said from its action and what it refers to
// (account, role, license, device, person, application). The title the core stored, in English,
// stays for ad-hoc requests and for whatever cannot be named (a reference since deleted).
#pragma once

#include <string>

#include "bestand/v1/workflow.pb.h"
#include "common/i18n/catalog.h"
#include "server/web/labels.h"

namespace bestand {

// Not thread-safe: one per page.
class TaskTitles {
 public:
  TaskTitles(Labels& labels, const Messages& m) : labels_(labels), m_(m) {}
  std::string Of(const v1::Task& task);

 private:
  Labels& labels_;
  const Messages& m_;
};

}  // namespace bestand
