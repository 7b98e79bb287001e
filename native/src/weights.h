// A Fellegi-Sunter model's match weight for a pair's levels, computed as the SQL of
// src/match/fs-score.ts (scoreSql) computes it, operation for operation, so that the two agree to
// the last bit: the prior, then each comparison's weight in order, added left to right; a
// term-frequency level weighs log2(m / max(frequency of the request's name, or u, 1e-9)).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "compare.h"

namespace custodian {

struct LevelWeight {
  double weight = 0;    // the level's fixed weight (as the SQL writes it: six decimals)
  int tf = 0;           // 0: none; 1: the given name's frequency; 2: the family name's
  double m = 0, u = 0;  // for a term-frequency level
};

struct Model {
  double prior = 0;
  // Per comparison (given, family, middle, suffix, dob, address, tin), per level.
  std::vector<std::vector<LevelWeight>> comparisons;
};

double Weight(const Model &model, const Levels &levels, const Request &request);

// Models registered by the process, by id (1, 2, …); never freed (a process registers a few).
// Registering the same model twice returns its first id.
int RegisterModel(const Model &model);
const Model *ModelById(int id);

}  // namespace custodian
