"""The inspectors' paperwork, apart from visiting: catalogue import and matching, surveys, review of
scores, scoring inputs, sampling plans, the confirmation round and the reports."""
