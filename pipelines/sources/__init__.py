"""Where raw material comes from: CI harvests of projects, competitive sites, problems files."""
