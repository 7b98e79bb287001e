#include "weights.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <string>

namespace custodian {

namespace {

double LevelTerm(const LevelWeight &w, const Maybe<double> &f) {
  if (w.tf == 0) return w.weight;
  // log2(m / greatest(coalesce(frequency, u), 1e-9))
  return std::log2(w.m / std::max(f.valid ? f.value : w.u, 1e-9));
}

constexpr int kMaxModels = 256;
std::atomic<const Model *> models[kMaxModels + 1];
std::atomic<int> model_count{0};
std::mutex registering;

bool Same(const Model &a, const Model &b) {
  if (a.prior != b.prior || a.comparisons.size() != b.comparisons.size()) return false;
  for (size_t k = 0; k < a.comparisons.size(); ++k) {
    const auto &x = a.comparisons[k], &y = b.comparisons[k];
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (x[i].weight != y[i].weight || x[i].tf != y[i].tf || x[i].m != y[i].m || x[i].u != y[i].u) return false;
  }
  return true;
}

}  // namespace

double Weight(const Model &model, const Levels &l, const Request &r) {
  const int levels[] = {l.given, l.family, l.middle, l.suffix, l.dob, l.address, l.tin};
  const Maybe<double> &tf_given = l.swapped ? r.tf_given_swapped : r.tf_given;
  const Maybe<double> &tf_family = l.swapped ? r.tf_family_swapped : r.tf_family;
  double sum = model.prior;
  for (size_t k = 0; k < model.comparisons.size(); ++k) {
    const auto &levels_k = model.comparisons[k];
    const int level = levels[k];
    // CASE level WHEN 0 THEN … ELSE 0 END: a missing level (-1) weighs nothing.
    if (level < 0 || level >= static_cast<int>(levels_k.size())) {
      sum += 0.0;
      continue;
    }
    const LevelWeight &w = levels_k[level];
    sum += LevelTerm(w, w.tf == 1 ? tf_given : tf_family);
  }
  return sum;
}

int RegisterModel(const Model &model) {
  std::lock_guard<std::mutex> lock(registering);
  const int n = model_count.load();
  for (int id = 1; id <= n; ++id)
    if (Same(*models[id].load(), model)) return id;
  if (n >= kMaxModels) return 0;
  models[n + 1].store(new Model(model));
  model_count.store(n + 1);
  return n + 1;
}

const Model *ModelById(int id) {
  if (id < 1 || id > model_count.load()) return nullptr;
  return models[id].load();
}

}  // namespace custodian
