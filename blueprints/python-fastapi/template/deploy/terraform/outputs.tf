output "role_arn" {
  description = "Runtime IAM role: put it in the eks.amazonaws.com/role-arn annotation of the service account."
  value       = aws_iam_role.service.arn
}

output "repository_url" {
  description = "ECR repository to push the image to (tags are immutable; deploy by digest)."
  value       = aws_ecr_repository.service.repository_url
}

output "kms_key_arn" {
  description = "Customer-managed KMS key encrypting images and logs."
  value       = aws_kms_key.service.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the service."
  value       = aws_cloudwatch_log_group.service.name
}

output "load_balancer_security_group_id" {
  description = "Security group to attach to the load balancer (for example through the ingress annotation alb.ingress.kubernetes.io/security-groups)."
  value       = aws_security_group.load_balancer.id
}
