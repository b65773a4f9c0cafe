// Small status helpers; Debian 12's abseil (20220623) has no ABSL_RETURN_IF_ERROR.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define BESTAND_CONCAT_INNER_(a, b) a##b
#define BESTAND_CONCAT_(a, b) BESTAND_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define BESTAND_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    ::absl::Status bestand_status_ = (expr);           \
    if (!bestand_status_.ok()) return bestand_status_; \
  } while (0)

// `lhs = value of expr`, or returns its error status from the enclosing function.
#define BESTAND_ASSIGN_OR_RETURN(lhs, expr) \
  BESTAND_ASSIGN_OR_RETURN_IMPL_(BESTAND_CONCAT_(bestand_statusor_, __LINE__), lhs, expr)
#define BESTAND_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return std::move(tmp).status();       \
  lhs = std::move(tmp).value()
