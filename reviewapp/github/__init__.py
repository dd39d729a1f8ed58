"""GitHub integration: webhooks in, the same analysis as local reviews, a review and a check
run out.

Data flow: `views.webhook` (signature, delivery row, enqueue) → `tasks.start_analysis`
(`pull_requests` fetches the PR through `client`, stored as a Revision by the reviews app's
services) → the reviews app's analysis task → `tasks.publish_analysis` (`publish`: one review
with inline comments from `comments`, one check run). `auth` makes App JWTs and installation
tokens; `signature` verifies deliveries; `connect` registers repositories.
"""
