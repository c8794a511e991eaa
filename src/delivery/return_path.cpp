#include "delivery/return_path.h"

#include <algorithm>

namespace outpost::delivery {

smtp::Envelope ReturnPath::envelopeFor(const std::vector<store::DueRecipient>& recipients,
                                       std::size_t size) const {
  smtp::Envelope envelope;
  if (recipients.empty()) return envelope;
  const store::DueRecipient& first = recipients.front();
  envelope.smtputf8 = first.needs_smtputf8;
  envelope.eight_bit = first.eight_bit;
  envelope.size_hint = size;
  envelope.recipients.reserve(recipients.size());
  for (const auto& recipient : recipients) envelope.recipients.push_back(recipient.address);

  const bool submitter_asked =
      !first.dsn_ret.empty() || !first.dsn_envid.empty() ||
      std::any_of(recipients.begin(), recipients.end(), [](const store::DueRecipient& r) {
        return !r.notify.empty() || !r.orcpt.empty();
      });
  if (verp_) {
    envelope.mail_from = verp_->encode(first.recipient_id);
    smtp::DsnRequest request;  // SUCCESS,FAILURE,DELAY; RET=HDRS; ORCPT
    if (!first.dsn_ret.empty()) request.ret = first.dsn_ret;
    // ENVID comes back in the report's Original-Envelope-Id: the submitter's when given,
    // else outpost's own message id.
    request.envelope_id = first.dsn_envid.empty() ? first.message_id : first.dsn_envid;
    for (const auto& recipient : recipients) {
      request.notify_for.push_back(recipient.notify);
      request.orcpt_for.push_back(recipient.orcpt);
    }
    envelope.dsn = std::move(request);
  } else {
    envelope.mail_from = first.mail_from;
    if (submitter_asked) {
      // Only what the submitter asked for: the reports go to its own MAIL FROM.
      smtp::DsnRequest request;
      request.notify.clear();
      request.ret = first.dsn_ret;
      request.envelope_id = first.dsn_envid;
      request.original_recipient = false;
      for (const auto& recipient : recipients) {
        request.notify_for.push_back(recipient.notify);
        request.orcpt_for.push_back(recipient.orcpt);
      }
      envelope.dsn = std::move(request);
    }
  }
  return envelope;
}

}  // namespace outpost::delivery
