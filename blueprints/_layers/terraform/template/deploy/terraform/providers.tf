# Credentials come from the environment (an assumed role, or OIDC federation from CI):
# never put access keys here.
provider "aws" {
  region = var.aws_region

  default_tags {
    tags = local.tags
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
