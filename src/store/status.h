// The status model of design.md, per recipient and summarized per message.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace outpost::store {

enum class ProcessingStatus { kQueued, kProcessing, kProcessed, kFailure, kCancelled };
enum class DeliveryStatus { kUnknown, kDelivered, kFailed };

std::string_view toString(ProcessingStatus status);
std::string_view toString(DeliveryStatus status);
std::optional<ProcessingStatus> parseProcessingStatus(std::string_view text);
std::optional<DeliveryStatus> parseDeliveryStatus(std::string_view text);

// A message's status from its recipients': the first that applies of failure, cancelled,
// processing, queued; processed only when all are.
ProcessingStatus summarizeProcessing(std::span<const ProcessingStatus> recipients);
// failed if any failed, then unknown, and delivered only when all are.
DeliveryStatus summarizeDelivery(std::span<const DeliveryStatus> recipients);

}  // namespace outpost::store
