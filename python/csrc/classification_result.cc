// Binds the result types, with the Task Library's field names.
#include "audioclf/processor/classification_result.h"

#include <pybind11/operators.h>
#include <pybind11/stl_bind.h>

#include <cstdio>

#include "bindings.h"

namespace py = pybind11;

namespace audioclf {
namespace python {
namespace {

std::string Quote(const std::string& s) { return py::repr(py::str(s)); }

std::string Repr(const Category& c) {
  char score[32];
  std::snprintf(score, sizeof(score), "%.6g", c.score);
  return "Category(index=" + std::to_string(c.index) + ", score=" + score +
         ", display_name=" + Quote(c.display_name) +
         ", category_name=" + Quote(c.category_name) + ")";
}

std::string Repr(const Classifications& c) {
  std::string out = "Classifications(categories=[";
  for (size_t i = 0; i < c.categories.size(); ++i) {
    out += (i ? ", " : "") + Repr(c.categories[i]);
  }
  return out + "], head_index=" + std::to_string(c.head_index) +
         ", head_name=" + Quote(c.head_name) + ")";
}

// "[a, b]" from each element's Repr: print() of a result shows every head,
// label and score, not list objects' addresses.
template <typename T>
std::string ListRepr(const std::vector<T>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + Repr(items[i]);
  return out + "]";
}

}  // namespace

void BindClassificationResult(py::module_& m) {
  // Elements are handed out as copies: a Category is a few fields, and a
  // copy is cheaper than tying each element's lifetime to its list (what
  // reading 521 categories per window would otherwise cost). Edits to the
  // list itself (append, del, slice) still stick.
  py::bind_vector<std::vector<Category>>(m, "CategoryList")
      .def(
          "__iter__",
          [](const std::vector<Category>& v) {
            return py::make_iterator<py::return_value_policy::copy>(v.begin(), v.end());
          },
          py::keep_alive<0, 1>())
      .def("__getitem__", [](const std::vector<Category>& v, py::ssize_t i) {
        if (i < 0) i += static_cast<py::ssize_t>(v.size());
        if (i < 0 || static_cast<size_t>(i) >= v.size()) throw py::index_error();
        return v[static_cast<size_t>(i)];
      })
      .def("__repr__", &ListRepr<Category>);
  py::bind_vector<std::vector<Classifications>>(m, "ClassificationsList")
      .def("__repr__", &ListRepr<Classifications>);
  // Plain Python lists are still accepted wherever these are expected.
  py::implicitly_convertible<py::list, std::vector<Category>>();
  py::implicitly_convertible<py::list, std::vector<Classifications>>();

  py::class_<Category>(m, "Category")
      .def(py::init([](int index, float score, std::string display_name,
                       std::string category_name) {
             return Category{index, score, std::move(category_name),
                             std::move(display_name)};
           }),
           py::arg("index") = 0, py::arg("score") = 0.0f,
           py::arg("display_name") = "", py::arg("category_name") = "")
      .def_readwrite("index", &Category::index)
      .def_readwrite("score", &Category::score)
      .def_readwrite("display_name", &Category::display_name)
      .def_readwrite("category_name", &Category::category_name)
      .def("__eq__",
           [](const Category& a, const Category& b) {
             return a.index == b.index && a.score == b.score &&
                    a.display_name == b.display_name &&
                    a.category_name == b.category_name;
           })
      .def("__repr__", [](const Category& c) { return Repr(c); });

  py::class_<Classifications>(m, "Classifications")
      .def(py::init([](std::vector<Category> categories, int head_index,
                       std::string head_name) {
             return Classifications{std::move(categories), head_index,
                                    std::move(head_name)};
           }),
           py::arg("categories") = std::vector<Category>{},
           py::arg("head_index") = 0, py::arg("head_name") = "")
      .def_readwrite("categories", &Classifications::categories)
      .def_readwrite("head_index", &Classifications::head_index)
      .def_readwrite("head_name", &Classifications::head_name)
      .def("__repr__", [](const Classifications& c) { return Repr(c); });

  py::class_<ClassificationResult>(m, "ClassificationResult")
      .def(py::init([](std::vector<Classifications> classifications) {
             return ClassificationResult{std::move(classifications)};
           }),
           py::arg("classifications") = std::vector<Classifications>{})
      .def_readwrite("classifications", &ClassificationResult::classifications)
      // For wrappers that build their own result objects: one pass in C++
      // instead of a Python attribute read per field.
      .def(
          "_rows",
          [](const ClassificationResult& r) {
            py::list heads;
            for (const Classifications& c : r.classifications) {
              py::list categories;
              for (const Category& k : c.categories) {
                categories.append(
                    py::make_tuple(k.index, k.score, k.display_name, k.category_name));
              }
              heads.append(py::make_tuple(categories, c.head_index, c.head_name));
            }
            return heads;
          },
          "[(categories, head_index, head_name)], categories as "
          "[(index, score, display_name, category_name)]")
      .def("__repr__", [](const ClassificationResult& r) {
        return "ClassificationResult(classifications=" + ListRepr(r.classifications) + ")";
      });
}

}  // namespace python
}  // namespace audioclf
