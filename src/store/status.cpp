#include "store/status.h"

#include <algorithm>

namespace outpost::store {

std::string_view toString(ProcessingStatus status) {
  switch (status) {
    case ProcessingStatus::kQueued:
      return "queued";
    case ProcessingStatus::kProcessing:
      return "processing";
    case ProcessingStatus::kProcessed:
      return "processed";
    case ProcessingStatus::kFailure:
      return "failure";
    case ProcessingStatus::kCancelled:
      return "cancelled";
  }
  return "queued";
}

std::string_view toString(DeliveryStatus status) {
  switch (status) {
    case DeliveryStatus::kUnknown:
      return "unknown";
    case DeliveryStatus::kDelivered:
      return "delivered";
    case DeliveryStatus::kFailed:
      return "failed";
  }
  return "unknown";
}

std::optional<ProcessingStatus> parseProcessingStatus(std::string_view text) {
  for (auto status :
       {ProcessingStatus::kQueued, ProcessingStatus::kProcessing, ProcessingStatus::kProcessed,
        ProcessingStatus::kFailure, ProcessingStatus::kCancelled}) {
    if (toString(status) == text) return status;
  }
  return std::nullopt;
}

std::optional<DeliveryStatus> parseDeliveryStatus(std::string_view text) {
  for (auto status :
       {DeliveryStatus::kUnknown, DeliveryStatus::kDelivered, DeliveryStatus::kFailed}) {
    if (toString(status) == text) return status;
  }
  return std::nullopt;
}

ProcessingStatus summarizeProcessing(std::span<const ProcessingStatus> recipients) {
  auto any = [&](ProcessingStatus wanted) {
    return std::find(recipients.begin(), recipients.end(), wanted) != recipients.end();
  };
  for (auto status : {ProcessingStatus::kFailure, ProcessingStatus::kCancelled,
                      ProcessingStatus::kProcessing, ProcessingStatus::kQueued}) {
    if (any(status)) return status;
  }
  return recipients.empty() ? ProcessingStatus::kQueued : ProcessingStatus::kProcessed;
}

DeliveryStatus summarizeDelivery(std::span<const DeliveryStatus> recipients) {
  auto any = [&](DeliveryStatus wanted) {
    return std::find(recipients.begin(), recipients.end(), wanted) != recipients.end();
  };
  if (any(DeliveryStatus::kFailed)) return DeliveryStatus::kFailed;
  if (any(DeliveryStatus::kUnknown) || recipients.empty()) return DeliveryStatus::kUnknown;
  return DeliveryStatus::kDelivered;
}

}  // namespace outpost::store
