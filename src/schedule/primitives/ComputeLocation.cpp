// Where a stage is computed: compute_at, compute_inline, compute_root.
#include <algorithm>

#include "anvil/schedule/Schedule.h"
#include "anvil/support/Error.h"

namespace anvil {

void Stage::compute_at(Stage& consumer, const Loop& loop) {
  check_compute("compute_at");
  ANVIL_SCHEDULE_CHECK(&consumer != this, "compute_at of " << name() << " into itself");
  ANVIL_SCHEDULE_CHECK(!is_output_, "compute_at of " << name()
                                                     << ": an output is computed at the root");
  ANVIL_SCHEDULE_CHECK(consumer.is_compute() && consumer.attach_kind_ != AttachKind::Inline,
                       "compute_at of " << name() << ": consumer " << consumer.name()
                                        << " is " << (consumer.is_compute() ? "inlined" : "a placeholder")
                                        << " and has no loops");
  ANVIL_SCHEDULE_CHECK(loop && std::find(consumer.leaf_loops_.begin(), consumer.leaf_loops_.end(),
                                         loop) != consumer.leaf_loops_.end(),
                       "compute_at of " << name() << ": loop " << (loop ? loop->name : "<null>")
                                        << " is not a loop of consumer " << consumer.name()
                                        << ", so it does not enclose that consumer");
  // The consumer must be the only stage that reads this one (looking through
  // inlined stages), or the other readers would find nothing computed.
  std::vector<const Stage*> readers;
  std::vector<const Stage*> pending = {this};
  while (!pending.empty()) {
    const Stage* s = pending.back();
    pending.pop_back();
    for (Stage* r : schedule_->readers_of(s->tensor_)) {
      if (r->attach_kind_ == AttachKind::Inline) {
        pending.push_back(r);
      } else if (std::find(readers.begin(), readers.end(), r) == readers.end()) {
        readers.push_back(r);
      }
    }
  }
  ANVIL_SCHEDULE_CHECK(!readers.empty(), "compute_at of " << name() << ": no stage reads it");
  ANVIL_SCHEDULE_CHECK(readers.size() == 1, "compute_at of " << name() << ": it is read by both "
                                                             << readers[0]->name() << " and "
                                                             << readers[1]->name()
                                                             << "; only a stage with a single "
                                                                "consumer can move into one");
  // The loop must enclose the reader: the reader is the consumer itself, or
  // is computed (through a chain of compute_at) at this loop of the consumer
  // or at one inside it — e.g. a cache_read stage moved to the output's loop
  // that encloses the cache_write stage reading it.
  const Stage* reader = readers[0];
  const Stage* s = reader;
  while (s != &consumer && s->attach_kind_ == AttachKind::At && s->attach_stage_ != &consumer)
    s = s->attach_stage_;
  bool encloses = reader == &consumer;
  if (!encloses && s->attach_stage_ == &consumer) {
    auto at = std::find(consumer.leaf_loops_.begin(), consumer.leaf_loops_.end(), s->attach_loop_);
    auto target = std::find(consumer.leaf_loops_.begin(), consumer.leaf_loops_.end(), loop);
    encloses = at != consumer.leaf_loops_.end() && target <= at;
  }
  ANVIL_SCHEDULE_CHECK(encloses, "compute_at of " << name() << ": " << consumer.name()
                                                  << " does not read " << name()
                                                  << ", and its reader " << reader->name()
                                                  << " is not computed inside loop " << loop->name
                                                  << " of " << consumer.name());
  for (const Stage* s = &consumer; s; s = s->attach_stage_) {
    ANVIL_SCHEDULE_CHECK(s->attach_stage_ != this, "compute_at of " << name() << " into "
                                                                    << consumer.name()
                                                                    << " would form a cycle");
  }
  attach_kind_ = AttachKind::At;
  attach_stage_ = &consumer;
  attach_loop_ = loop;
  schedule_->record({"compute_at", name(), {loop->name}, {}, {consumer.name()}, {}});
}

void Stage::compute_inline() {
  check_compute("compute_inline");
  ANVIL_SCHEDULE_CHECK(!is_output_, "compute_inline of " << name()
                                                         << ": an output must be stored");
  ANVIL_SCHEDULE_CHECK(op_->reduce_axes().empty(),
                       "compute_inline of " << name()
                                            << ": a reduction cannot be inlined into its "
                                               "consumers");
  for (Stage* s : schedule_->stages()) {
    ANVIL_SCHEDULE_CHECK(s->attach_stage_ != this,
                         "compute_inline of " << name() << ": stage " << s->name()
                                              << " is computed at one of its loops");
  }
  attach_kind_ = AttachKind::Inline;
  attach_stage_ = nullptr;
  attach_loop_ = nullptr;
  schedule_->record({"compute_inline", name(), {}, {}, {}, {}});
}

void Stage::compute_root() {
  check_compute("compute_root");
  attach_kind_ = AttachKind::Root;
  attach_stage_ = nullptr;
  attach_loop_ = nullptr;
  schedule_->record({"compute_root", name(), {}, {}, {}, {}});
}

}  // namespace anvil
