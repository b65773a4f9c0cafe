// A task's title in the reader's language, said from its action and what it refers to
// (account, role, license, device, person, application). The title the core stored, in English,
// stays for ad-hoc requests and for whatever cannot be named (a reference since deleted). The
// web interface and the CLI say titles through this, each with its own labels.
#pragma once

#include <functional>
#include <string>

#include "bestand/v1/workflow.pb.h"
#include "common/i18n/catalog.h"
#include "common/resources.h"

namespace bestand {

// What people call the resource `name` of `kind` ("people/3" -> "Anna Schmidt"); empty when it
// cannot be named.
using LabelOf = std::function<std::string(Kind kind, const std::string& name)>;

std::string TaskTitle(const v1::Task& task, const Messages& m, const LabelOf& label);

}  // namespace bestand
