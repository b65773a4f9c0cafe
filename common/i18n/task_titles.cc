#include "common/i18n/task_titles.h"

#include <vector>

namespace bestand {

std::string TaskTitle(const v1::Task& t, const Messages& m, const LabelOf& label) {
  const std::string person = label(Kind::kPerson, t.person());
  const std::string application = label(Kind::kApplication, t.application());
  // Every argument the message names must be known, or the stored title is the better one.
  auto said = [&](const char* key, std::vector<MessageArg> args) {
    for (const MessageArg& a : args) {
      if (std::get<std::string>(a.value).empty()) return t.title();
    }
    return m.Format(key, args);
  };
  switch (t.action()) {
    case v1::Task::DISABLE_ACCOUNT:
      return said("task_disable_account", {{"account", label(Kind::kAccount, t.account())},
                                           {"person", person},
                                           {"application", application}});
    case v1::Task::REVOKE_ACCESS:
      return said("task_revoke_access", {{"role", label(Kind::kAccessGrant, t.access_grant())},
                                         {"person", person},
                                         {"application", application}});
    case v1::Task::RECLAIM_LICENSE:
      return said("task_reclaim_license",
                  {{"license", label(Kind::kLicense, t.license())}, {"person", person}});
    case v1::Task::COLLECT_DEVICE:
      return said("task_collect_device",
                  {{"device", label(Kind::kDevice, t.device())}, {"person", person}});
    case v1::Task::CREATE_ACCOUNT:
      if (!t.role().empty()) {
        return said("task_create_account_role",
                    {{"application", application}, {"person", person}, {"role", t.role()}});
      }
      return said("task_create_account", {{"application", application}, {"person", person}});
    case v1::Task::ASSIGN_LICENSE:
      return said("task_assign_license",
                  {{"license", label(Kind::kLicense, t.license())}, {"person", person}});
    case v1::Task::HAND_OUT_DEVICE:
      return said("task_hand_out_device",
                  {{"device", label(Kind::kDevice, t.device())}, {"person", person}});
    default:
      return t.title();
  }
}

}  // namespace bestand
