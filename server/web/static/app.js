// Improvements only: every page works without this script.
//  - <input data-filter="TABLE-ID">: hides the rows of that table that do not contain what is
//    typed (case-insensitive), as you type.
//  - <form data-confirm="QUESTION">: asks before submitting.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input[data-filter]")) {
    const table = document.getElementById(input.dataset.filter);
    if (!table) continue;
    const filter = () => {
      const needle = input.value.trim().toLocaleLowerCase();
      for (const row of table.tBodies[0].rows) {
        row.hidden = needle !== "" && !row.textContent.toLocaleLowerCase().includes(needle);
      }
    };
    input.addEventListener("input", filter);
    filter();
  }
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});
