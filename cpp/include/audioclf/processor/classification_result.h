// What a classifier returns: per output head, the kept categories sorted by
// score. Field names follow the TFLite Task Library so results map 1:1.
#ifndef AUDIOCLF_PROCESSOR_CLASSIFICATION_RESULT_H_
#define AUDIOCLF_PROCESSOR_CLASSIFICATION_RESULT_H_

#include <string>
#include <vector>

namespace audioclf {

struct Category {
  int index = 0;
  float score = 0.0f;
  std::string category_name;  // from the first TENSOR_AXIS_LABELS file
  std::string display_name;   // from the labels file of the chosen locale

  bool operator==(const Category& o) const {
    return index == o.index && score == o.score && category_name == o.category_name &&
           display_name == o.display_name;
  }
};

struct Classifications {
  std::vector<Category> categories;  // by descending score
  int head_index = 0;                // output tensor index
  std::string head_name;             // output tensor metadata name

  bool operator==(const Classifications& o) const {
    return categories == o.categories && head_index == o.head_index && head_name == o.head_name;
  }
};

struct ClassificationResult {
  std::vector<Classifications> classifications;  // one per head, in order
};

}  // namespace audioclf

#endif  // AUDIOCLF_PROCESSOR_CLASSIFICATION_RESULT_H_
