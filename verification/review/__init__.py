"""HR's review of statuses verified through a number the employee entered instead of the one
on file: such a status counts only once an Owner or HR Admin approves it."""
